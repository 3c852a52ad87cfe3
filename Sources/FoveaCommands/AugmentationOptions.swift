import ArgumentParser
import Fovea

extension AugmentationConfiguration.Preset: ExpressibleByArgument {}

/// The augmentation flags shared by `fovea train` and `fovea augment-preview`: a preset, and one
/// flag per parameter that overrides the preset's value (`--augment standard --rotate 0` is
/// `standard` without rotation).
struct AugmentationOptions: ParsableArguments {
    @Option(help: "Augmentation preset: none, standard (mild affine) or strong (standard + elastic). See README. (default: none)")
    var augment: AugmentationConfiguration.Preset?

    @Option(help: ArgumentHelp("Largest random shift along each axis, in pixels.", valueName: "px"))
    var translate: Double?

    @Option(help: ArgumentHelp("Largest random rotation, in degrees (0…180).", valueName: "deg"))
    var rotate: Double?

    @Option(help: ArgumentHelp("Largest random size change: the factor is uniform in 1 ± X (0 ≤ X < 1).", valueName: "x"))
    var scale: Double?

    @Option(help: ArgumentHelp("Largest random horizontal shear, in degrees (0…60).", valueName: "deg"))
    var shear: Double?

    @Option(name: .customLong("elastic-alpha"), help: ArgumentHelp("Elastic distortion strength in pixels (0: off).", valueName: "px"))
    var elasticAlpha: Double?

    @Option(name: .customLong("elastic-sigma"), help: ArgumentHelp("Elastic distortion smoothness: Gaussian sigma in pixels.", valueName: "px"))
    var elasticSigma: Double?

    @Option(help: ArgumentHelp("Standard deviation of additive Gaussian noise, as a fraction of full scale (0…1).", valueName: "x"))
    var noise: Double?

    /// The flag of each parameter, for error messages.
    static func flag(_ parameter: AugmentationConfiguration.Parameter) -> String {
        switch parameter {
        case .translation: "--translate"
        case .rotation: "--rotate"
        case .scale: "--scale"
        case .shear: "--shear"
        case .elasticAlpha: "--elastic-alpha"
        case .elasticSigma: "--elastic-sigma"
        case .noise: "--noise"
        }
    }

    /// The flags given, in the order of `--help`.
    var given: [String] {
        (augment == nil ? [] : ["--augment"])
            + AugmentationConfiguration.Parameter.allCases.filter { self[$0] != nil }.map(AugmentationOptions.flag)
    }

    /// The value given for `parameter`'s flag, if any.
    subscript(parameter: AugmentationConfiguration.Parameter) -> Double? {
        switch parameter {
        case .translation: translate
        case .rotation: rotate
        case .scale: scale
        case .shear: shear
        case .elasticAlpha: elasticAlpha
        case .elasticSigma: elasticSigma
        case .noise: noise
        }
    }

    /// The individual flags applied to the `--augment` preset, or without one to `base`
    /// (`none` for a new run; a resumed run's own configuration, to check that the flags agree).
    func configuration(over base: AugmentationConfiguration = .none) throws(AugmentationError) -> AugmentationConfiguration {
        let base = augment.map { AugmentationConfiguration(preset: $0) } ?? base
        return try AugmentationConfiguration(
            translation: translate ?? base.translation, rotation: rotate ?? base.rotation, scale: scale ?? base.scale,
            shear: shear ?? base.shear, elasticAlpha: elasticAlpha ?? base.elasticAlpha,
            elasticSigma: elasticSigma ?? base.elasticSigma, noise: noise ?? base.noise)
    }

    func validate() throws {
        do {
            _ = try configuration()
        } catch {
            throw ValidationError("\(AugmentationOptions.flag(error.parameter)) must be \(error.requirement), got \(error.value)")
        }
    }
}
