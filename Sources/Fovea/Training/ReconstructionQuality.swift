import Foundation

/// The figures a run with an element-wise loss reports instead of accuracy: the mean squared
/// error and, when the target is the input image, the PSNR.
///
/// The loss compares normalised values, `x = (p − mean) / std` with `p` the intensity in [0, 1];
/// a squared error there is `std²` times smaller in intensity units. So, for `--target input`:
/// - `meanSquaredError` = squared error × std², on the intensity scale [0, 1] (what
///   `torchvision`/`skimage` compute on images in [0, 1]);
/// - `psnr` = 10 · log₁₀(1 / meanSquaredError) dB, the peak being 1 (+∞ for a perfect
///   reconstruction).
/// For `--target labels` (a regression on the label's value) the squared error is already in the
/// label's units: it is the MSE, and there is no PSNR.
public struct ReconstructionQuality: Hashable, Sendable {
    /// Mean squared error: on the intensity scale [0, 1] for an image target, in label units for
    /// a label target.
    public let meanSquaredError: Double
    /// Peak signal-to-noise ratio in dB (peak 1); `nil` for a label target.
    public let psnr: Double?

    /// The figures of `squaredError` (an `EvaluationResult.squaredError` or
    /// `EpochReport.trainSquaredError`: the mean over samples of each one's mean of `(y − t)²`
    /// in normalised units) for a run against `target` with inputs normalised by `normalization`.
    public init(squaredError: Double, target: TrainingTarget, normalization: Normalization) {
        switch target {
        case .labels:
            meanSquaredError = squaredError
            psnr = nil
        case .input:
            let std = Double(normalization.std)
            meanSquaredError = squaredError * std * std
            psnr = 10 * log10(1 / meanSquaredError)
        }
    }
}
