/// Which random distortions each training image goes through, and how strong they are.
///
/// Every transform works on the image's raw intensities (byte scale, 0…255, background 0) before
/// normalisation, so "outside the image" is well defined (it is background, 0) and the result is
/// always back in 0…255. Per sample, in this order:
///
/// 1. **Random affine** about the image centre: a rotation uniform in ±`rotation` degrees
///    (positive turns the content counterclockwise as displayed), a size factor uniform in
///    `1 ± scale` (both axes), a horizontal shear uniform in ±`shear` degrees and a shift uniform
///    in ±`translation` pixels along each axis (sub-pixel: bilinear sampling).
/// 2. **Elastic distortion** (Simard, Steinkraus & Platt 2003): a field of displacements uniform
///    in [−1, 1) per pixel and axis, smoothed by a Gaussian of standard deviation `elasticSigma`
///    pixels and scaled by `elasticAlpha` pixels, moves each output pixel's sampling point.
///    `elasticAlpha` 0 switches it off.
/// 3. **Additive noise**: Gaussian, standard deviation `noise` as a fraction of full scale
///    (0.1 = 25.5 intensity levels), added to every pixel, then clamped to 0…255.
///
/// The geometric steps are composed into one sampling grid, so the image is resampled once.
/// Each sample's draws come from `RandomStream(seed, .augmentation, epoch, sample index)`.
///
/// Presets (`--augment`):
///
/// | preset     | translation | rotation | scale | shear | elastic α, σ | noise |
/// |------------|-------------|----------|-------|-------|--------------|-------|
/// | `none`     | 0           | 0        | 0     | 0     | off          | 0     |
/// | `standard` | ±2.5 px     | ±10°     | ±10 % | ±5°   | off          | 0     |
/// | `strong`   | ±2.5 px     | ±10°     | ±10 % | ±5°   | 34 px, 4 px  | 0     |
///
/// `standard` is a mild affine jitter that keeps every digit legible and costs almost nothing;
/// `strong` is `standard` plus Simard's elastic distortion (α 34, σ 4, his values for 28×28
/// digits), which bends strokes as handwriting does.
///
/// A configuration is valid by construction: the initialiser (and decoding) refuses a parameter
/// out of range with an `AugmentationError`, so code that receives one need not check again.
public struct AugmentationConfiguration: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Largest shift along each axis, in pixels (0 or more).
    public let translation: Double
    /// Largest rotation, in degrees (0…180).
    public let rotation: Double
    /// Largest relative change of size: the factor is uniform in `1 ± scale` (0 ≤ scale < 1).
    public let scale: Double
    /// Largest horizontal shear angle, in degrees (0…60).
    public let shear: Double
    /// Strength of the elastic distortion, in pixels (0 switches it off).
    public let elasticAlpha: Double
    /// Smoothness of the elastic distortion: standard deviation of the Gaussian, in pixels (> 0).
    public let elasticSigma: Double
    /// Standard deviation of the additive Gaussian noise, as a fraction of full scale (0…1).
    public let noise: Double

    /// The named configurations of `--augment`.
    public enum Preset: String, Hashable, Sendable, Codable, CaseIterable {
        case none, standard, strong
    }

    /// A configuration with these ranges; throws for the first parameter (in `Parameter` order)
    /// that is out of range or not finite.
    public init(translation: Double = 0, rotation: Double = 0, scale: Double = 0, shear: Double = 0,
                elasticAlpha: Double = 0, elasticSigma: Double = 4, noise: Double = 0) throws(AugmentationError) {
        self.init(unchecked: translation, rotation, scale, shear, elasticAlpha, elasticSigma, noise)
        for parameter in Parameter.allCases {
            let value = self[parameter]
            let requirement = AugmentationConfiguration.requirement(parameter)
            guard value.isFinite && requirement.holds(value) else {
                throw AugmentationError(parameter: parameter, value: value, requirement: requirement.text)
            }
        }
    }

    private init(unchecked translation: Double, _ rotation: Double, _ scale: Double, _ shear: Double,
                 _ elasticAlpha: Double, _ elasticSigma: Double, _ noise: Double) {
        self.translation = translation
        self.rotation = rotation
        self.scale = scale
        self.shear = shear
        self.elasticAlpha = elasticAlpha
        self.elasticSigma = elasticSigma
        self.noise = noise
    }

    /// The configuration a preset stands for (see the table above).
    public init(preset: Preset) {
        switch preset {
        case .none:
            self.init(unchecked: 0, 0, 0, 0, 0, 4, 0)
        case .standard:
            self.init(unchecked: 2.5, 10, 0.1, 5, 0, 4, 0)
        case .strong:
            self.init(unchecked: 2.5, 10, 0.1, 5, 34, 4, 0)
        }
    }

    /// Decodes and validates a configuration (a stored one could have been edited).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(translation: container.decode(Double.self, forKey: .translation),
                          rotation: container.decode(Double.self, forKey: .rotation),
                          scale: container.decode(Double.self, forKey: .scale),
                          shear: container.decode(Double.self, forKey: .shear),
                          elasticAlpha: container.decode(Double.self, forKey: .elasticAlpha),
                          elasticSigma: container.decode(Double.self, forKey: .elasticSigma),
                          noise: container.decode(Double.self, forKey: .noise))
        } catch let error as AugmentationError {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public static let none = AugmentationConfiguration(preset: .none)
    public static let standard = AugmentationConfiguration(preset: .standard)
    public static let strong = AugmentationConfiguration(preset: .strong)

    /// Whether the affine step does anything.
    public var hasAffine: Bool { translation > 0 || rotation > 0 || scale > 0 || shear > 0 }
    /// Whether the elastic step does anything.
    public var hasElastic: Bool { elasticAlpha > 0 }
    /// Whether every image passes through unchanged (then no augmentation runs at all).
    public var isIdentity: Bool { !hasAffine && !hasElastic && noise == 0 }

    /// One parameter of the configuration, for error messages (`AugmentationError`).
    public enum Parameter: String, Hashable, Sendable, CaseIterable {
        case translation, rotation, scale, shear, elasticAlpha, elasticSigma, noise
    }

    /// The value of `parameter`.
    public subscript(parameter: Parameter) -> Double {
        switch parameter {
        case .translation: translation
        case .rotation: rotation
        case .scale: scale
        case .shear: shear
        case .elasticAlpha: elasticAlpha
        case .elasticSigma: elasticSigma
        case .noise: noise
        }
    }

    /// The range each parameter must lie in, in words and as a test.
    static func requirement(_ parameter: Parameter) -> (text: String, holds: (Double) -> Bool) {
        switch parameter {
        case .translation, .elasticAlpha: ("0 or more pixels", { $0 >= 0 })
        case .rotation: ("in 0…180 degrees", { $0 >= 0 && $0 <= 180 })
        case .scale: ("in [0, 1) (the size factor is 1 ± scale)", { $0 >= 0 && $0 < 1 })
        case .shear: ("in 0…60 degrees", { $0 >= 0 && $0 <= 60 })
        case .elasticSigma: ("a positive number of pixels", { $0 > 0 })
        case .noise: ("in 0…1 (a fraction of full scale)", { $0 >= 0 && $0 <= 1 })
        }
    }

    /// `none`, a preset's name, or the list of active steps: `translate ±2.5 px, rotate ±10°, …`.
    public var description: String {
        if isIdentity { return "none" }
        var steps: [String] = []
        if translation > 0 { steps.append("translate ±\(AugmentationConfiguration.short(translation)) px") }
        if rotation > 0 { steps.append("rotate ±\(AugmentationConfiguration.short(rotation))°") }
        if scale > 0 { steps.append("scale ±\(AugmentationConfiguration.short(scale * 100))%") }
        if shear > 0 { steps.append("shear ±\(AugmentationConfiguration.short(shear))°") }
        if hasElastic {
            steps.append("elastic α \(AugmentationConfiguration.short(elasticAlpha)) σ \(AugmentationConfiguration.short(elasticSigma)) px")
        }
        if noise > 0 { steps.append("noise σ \(AugmentationConfiguration.short(noise))") }
        let preset = Preset.allCases.first { AugmentationConfiguration(preset: $0) == self }
        return (preset.map { "\($0.rawValue): " } ?? "") + steps.joined(separator: ", ")
    }

    /// `2.5` → "2.5", `10.0` → "10".
    private static func short(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

/// An augmentation parameter out of range: `elasticSigma is -1.0; it must be a positive number
/// of pixels`.
public struct AugmentationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let parameter: AugmentationConfiguration.Parameter
    public let value: Double
    /// The allowed range, in words.
    public let requirement: String

    public var description: String {
        "augmentation \(parameter.rawValue) is \(value); it must be \(requirement)"
    }
}
