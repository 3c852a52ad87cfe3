/// How a denoising run corrupts the images the network sees (`--input-noise`, `--occlude`); the
/// target stays the clean image (`TrainingTarget.input`), so the network learns to undo it.
///
/// On the image's intensities (byte scale 0…255, background 0), after augmentation and before
/// normalisation, per sample, in this order:
/// 1. **Gaussian noise** of standard deviation `noise` (a fraction of full scale: 0.3 = 76.5
///    intensity levels) on every pixel, then clamped to 0…255: `AdditiveNoise`, the very step of
///    augmentation, with its draws from the sample's stream `child(0)`.
/// 2. **Occlusion**: a `occlusion × occlusion` patch, entirely inside the image, set to the
///    background (0) on every channel; its top-left corner uniform over the places it fits, from
///    the stream's `child(1)` (draw 0 the row, draw 1 the column).
///
/// Training draws come from `RandomStream(seed, .corruption, epoch, sample's index in the image
/// file)`, so a denoising run is reproducible, resumable and thread-independent like
/// augmentation. Evaluation corrupts each test or validation sample once and the same way in
/// every epoch and in `fovea eval` (`evaluationEpoch` in place of the epoch): its PSNR measures
/// denoising, and changes only when the model does.
///
/// Valid by construction: the initialiser refuses a value out of range (`InputCorruptionError`).
public struct InputCorruption: Hashable, Sendable, CustomStringConvertible {
    /// Standard deviation of the noise, a fraction of full scale, in 0…1 (0: none).
    public let noise: Double
    /// Side of the occluding patch in pixels, 0 (none) … `maximumOcclusion`; it must also fit
    /// the images (`mismatch(height:width:)`).
    public let occlusion: Int

    /// The largest patch side accepted before the images are known (the largest image side
    /// Fovea reads is below it anyway).
    public static let maximumOcclusion = 65_536

    /// The epoch index of evaluation's draws: no training epoch reaches it.
    public static let evaluationEpoch = UInt64.max

    /// No corruption.
    public static let none = InputCorruption(unchecked: 0, 0)

    public init(noise: Double = 0, occlusion: Int = 0) throws(InputCorruptionError) {
        guard noise.isFinite, (0 ... 1).contains(noise) else { throw .noise(noise) }
        guard (0 ... InputCorruption.maximumOcclusion).contains(occlusion) else { throw .occlusion(occlusion) }
        self.init(unchecked: noise, occlusion)
    }

    private init(unchecked noise: Double, _ occlusion: Int) {
        self.noise = noise
        self.occlusion = occlusion
    }

    /// Whether the images go through unchanged.
    public var isIdentity: Bool { noise == 0 && occlusion == 0 }

    public var description: String {
        guard !isIdentity else { return "none" }
        return [noise > 0 ? "Gaussian noise σ \(noise) of full scale" : nil,
                occlusion > 0 ? "a \(occlusion)×\(occlusion) patch set to background" : nil]
            .compactMap { $0 }.joined(separator: " and ")
    }

    /// Why the patch cannot occlude `height × width` images (it must leave some of the image
    /// visible), as a sentence naming `--occlude`; `nil` if it can.
    public func mismatch(height: Int, width: Int) -> String? {
        occlusion < min(height, width) ? nil
            : "--occlude \(occlusion): the patch must be smaller than the \(height)×\(width) images (use at most \(min(height, width) - 1))"
    }

    /// The stream of sample `sample`'s corruption in `epoch` (`evaluationEpoch` for evaluation).
    public static func stream(seed: UInt64, epoch: UInt64, sample: Int) -> RandomStream {
        RandomStream(seed: seed, purpose: .corruption, epoch, UInt64(sample))
    }

    /// Corrupts one image of `shape` in place, on the byte scale (0…255), with the draws of
    /// `stream` (`stream(seed:epoch:sample:)`). The patch must fit (`mismatch` is `nil`).
    public func apply(toByteScaled pixels: UnsafeMutablePointer<Float>, shape: FeatureShape, stream: RandomStream) {
        if noise > 0 {
            AdditiveNoise(standardDeviation: noise).apply(to: pixels, count: shape.count, stream: stream.child(0))
        }
        guard occlusion > 0 else { return }
        let place = stream.child(1)
        let top = place.integer(below: shape.height - occlusion + 1, 0)
        let left = place.integer(below: shape.width - occlusion + 1, 1)
        for channel in 0 ..< shape.channels {
            for row in top ..< top + occlusion {
                (pixels + (channel * shape.height + row) * shape.width + left).update(repeating: 0, count: occlusion)
            }
        }
    }

    /// Writes the corrupted, normalised input of one image: `bytes` (`shape.count` pixels)
    /// to floats, `apply`, then `normalization`; into `input`.
    func corrupt(_ bytes: UnsafePointer<UInt8>, into input: UnsafeMutablePointer<Float>, shape: FeatureShape,
                 normalization: Normalization, stream: RandomStream) {
        for i in 0 ..< shape.count { input[i] = Float(bytes[i]) }
        corrupt(byteScaled: input, shape: shape, normalization: normalization, stream: stream)
    }

    /// `apply` to an image already on the byte scale in `input`, then normalises it in place.
    func corrupt(byteScaled input: UnsafeMutablePointer<Float>, shape: FeatureShape, normalization: Normalization,
                 stream: RandomStream) {
        apply(toByteScaled: input, shape: shape, stream: stream)
        normalization.normalize(byteScaled: input, count: shape.count)
    }
}

/// A corruption setting out of range.
public enum InputCorruptionError: Error, Hashable, Sendable, CustomStringConvertible {
    case noise(Double)
    case occlusion(Int)

    public var description: String {
        switch self {
        case let .noise(value): "--input-noise must be a fraction of full scale in 0…1, got \(value)"
        case let .occlusion(value): "--occlude must be a patch side of 0…\(InputCorruption.maximumOcclusion) pixels, got \(value)"
        }
    }
}
