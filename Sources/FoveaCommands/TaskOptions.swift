import ArgumentParser
import Fovea

/// The flags that say what the network learns beyond `--loss`, shared by `fovea train` and
/// `fovea lr-find`: what the output is compared with (`--target`) and how a denoising run
/// corrupts its inputs (`--input-noise`, `--occlude`).
struct TaskOptions: ParsableArguments {
    @Option(help: ArgumentHelp("What the output is compared with: labels (the class, or with mse/l1 the label's value: a regression) or input (the clean input image: an autoencoder). (default: labels for ce and bce, input for mse and l1; with --resume, the run's)",
                               valueName: "labels|input"))
    var target: String?

    @Option(name: .customLong("input-noise"),
            help: ArgumentHelp("Denoising: Gaussian noise of this standard deviation (fraction of full scale, 0…1) on the network's input, never on the target; needs --target input. Evaluation corrupts the same way. (default: 0)",
                               valueName: "sigma"))
    var inputNoise: Double?

    @Option(help: ArgumentHelp("Denoising: a random P×P patch of the network's input set to background; needs --target input. (default: 0)",
                               valueName: "P"))
    var occlude: Int?

    /// `validate()`'s checks: each value in its range, one sentence naming the flag.
    func check() throws {
        if let target, TrainingTarget(rawValue: target) == nil {
            throw ValidationError("--target must be one of \(TrainingTarget.options), got '\(target)'")
        }
        do {
            _ = try corruption()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// `--target` parsed (`check` has refused anything else).
    var givenTarget: TrainingTarget? { target.flatMap(TrainingTarget.init(rawValue:)) }

    /// `--input-noise` and `--occlude` (0 where not given).
    func corruption() throws(InputCorruptionError) -> InputCorruption {
        try InputCorruption(noise: inputNoise ?? 0, occlusion: occlude ?? 0)
    }

    /// The corruption of a new run with `loss` against `target` on `height × width` images:
    /// refused (naming the flag) unless the target is the input image and the patch fits.
    func corruption(loss: any Loss.Type, target: TrainingTarget, height: Int, width: Int) throws -> InputCorruption {
        let corruption = try self.corruption()
        guard !corruption.isIdentity else { return corruption }
        let flags = [inputNoise.map { "--input-noise \($0)" }, occlude.map { "--occlude \($0)" }].compactMap { $0 }.joined(separator: " ")
        guard target == .input else {
            throw CommandFailure(description: "\(flags): corrupting the input makes a denoising autoencoder, whose target is the clean input, but this run compares with \(target.description) (add --target input with --loss mse or l1; to add noise to a classifier's training images, use the augmentation flag --noise)")
        }
        if let mismatch = corruption.mismatch(height: height, width: width) { throw CommandFailure(description: mismatch) }
        return corruption
    }

    /// The flags given, with their values, against what `network` and `corruption` (a
    /// checkpoint's) hold: for refusing a resume that contradicts them.
    func contradictions(network: Network, corruption: InputCorruption) -> [(flag: String, given: String?, saved: String)] {
        [("--target", target, network.target.option),
         ("--input-noise", inputNoise.map { "\($0)" }, "\(corruption.noise)"),
         ("--occlude", occlude.map { "\($0)" }, "\(corruption.occlusion)")]
    }
}
