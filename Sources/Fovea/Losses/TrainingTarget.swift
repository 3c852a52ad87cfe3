/// What the network's output is compared with (`fovea train --target`).
///
/// - `labels`: the sample's class label. A classifying loss (`ce`, `bce`) reads it as a class; an
///   element-wise loss (`mse`, `l1`) reads it as a number, `[1]` per sample (a regression head:
///   the network ends in one value that should equal the label).
/// - `input`: the clean input image on the network's input scale, `[C, H, W]` per sample: the
///   normalised pixels `(pixel/255 − mean) / std` the network would see without corruption
///   (`InputCorruption`), after augmentation. An autoencoder ends in the input's shape with no
///   squashing activation (as the reference harness's autoencoder does); PSNR is reported on the
///   `[0, 1]` intensity scale (`ReconstructionQuality`).
///
/// The one place that says how each kind of target becomes the tensor a loss reads.
public enum TrainingTarget: String, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case labels
    case input

    /// The value of `--target` (and the word in summaries): `labels`, `input`.
    public var option: String { rawValue }

    public var description: String {
        switch self {
        case .labels: "the class labels"
        case .input: "the clean input image, normalised as the network sees it"
        }
    }

    /// The `--target` values, for help texts and errors: `labels, input`.
    public static var options: String { allCases.map(\.option).joined(separator: ", ") }

    /// The shape of one sample's target tensor for an element-wise loss: `[1]` (the label as a
    /// number) for `labels`, the input's shape for `input`.
    public func tensorShape(input: FeatureShape) -> FeatureShape {
        switch self {
        case .labels: .flat(1)
        case .input: input
        }
    }

    /// The targets of `count` samples whose labels are `labels` and whose clean normalised images
    /// are `cleanImages` (`[count, sampleSize]`): for `input` the images themselves, for `labels`
    /// the labels as floats, written into `labelValues` (`[count]`, the caller's buffer).
    func lossTargets(labels: UnsafePointer<UInt8>, cleanImages: UnsafePointer<Float>, sampleSize: Int,
                     labelValues: UnsafeMutablePointer<Float>, count: Int) -> LossTargets {
        switch self {
        case .labels:
            for n in 0 ..< count { labelValues[n] = Float(labels[n]) }
            return LossTargets(labels: labels, images: labelValues, sampleSize: 1)
        case .input:
            return LossTargets(labels: labels, images: cleanImages, sampleSize: sampleSize)
        }
    }
}
