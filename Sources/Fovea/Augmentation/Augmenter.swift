/// Applies an `AugmentationConfiguration` to single-channel byte images of one size, `[H, W]`,
/// producing byte-scale floats (0…255) ready to be normalised.
///
/// Per sample: the sampling grid starts at the output pixel centres; the elastic step (if on)
/// displaces it; the affine step (if on) maps it into the source image; the source is sampled
/// there once, bilinearly (0 outside); then the noise step (if on) adds noise and clamps. So the
/// affine transform acts first on the content and the elastic field second.
///
/// Random draws: sample `index` of epoch `epoch` uses the stream
/// `RandomStream(seed, .augmentation, epoch, index)` (`stream(seed:epoch:index:)`, equal to
/// `epochStream(seed:epoch:).child(index)`), split into child streams 1 (affine), 2 (elastic)
/// and 3 (noise), so switching one step on or off leaves the others' draws unchanged. The
/// result therefore depends only on the seed, the epoch, the sample index and the image.
///
/// An augmenter owns scratch memory, allocated once, and allocates nothing per sample; it is
/// not thread-safe: give each thread its own.
public final class Augmenter {
    public let configuration: AugmentationConfiguration
    public let height: Int
    public let width: Int
    private let affine: RandomAffine?
    private let elastic: ElasticDistortion?
    private let noise: AdditiveNoise?
    /// Sampling points x and y (`H · W` each), then the sampler's or the elastic step's scratch
    /// (used one after the other).
    private let scratch: UnsafeMutablePointer<Float>

    /// An augmenter for `height × width` images.
    public init(configuration: AugmentationConfiguration, height: Int, width: Int) {
        precondition(height >= 1 && width >= 1, "Augmenter for an empty image \(height)×\(width)")
        self.configuration = configuration
        self.height = height
        self.width = width
        affine = configuration.hasAffine ? RandomAffine(configuration) : nil
        elastic = configuration.hasElastic
            ? ElasticDistortion(alpha: configuration.elasticAlpha, sigma: configuration.elasticSigma, height: height, width: width) : nil
        noise = configuration.noise > 0 ? AdditiveNoise(standardDeviation: configuration.noise) : nil
        let pixels = height * width
        let scratchCount = 2 * pixels + max(elastic?.scratchCount(height: height, width: width) ?? 0,
                                             BilinearSampling.scratchCount(height: height, width: width))
        scratch = .allocate(capacity: scratchCount)
        scratch.initialize(repeating: 0, count: scratchCount)
    }

    deinit {
        scratch.deallocate()
    }

    /// The stream of all augmentation draws of one epoch; sample `index` uses `child(index)`.
    public static func epochStream(seed: UInt64, epoch: Int) -> RandomStream {
        RandomStream(seed: seed, purpose: .augmentation, UInt64(epoch))
    }

    /// The stream of sample `index` (its index in the image file) in epoch `epoch` (0-based).
    public static func stream(seed: UInt64, epoch: Int, index: Int) -> RandomStream {
        epochStream(seed: seed, epoch: epoch).child(UInt64(index))
    }

    /// Writes the augmented version of `source [H, W]` to `target [H, W]` (byte scale, 0…255),
    /// with the draws of `stream` (see `stream(seed:epoch:index:)`). Allocates nothing.
    public func augment(source: UnsafePointer<UInt8>, into target: UnsafeMutablePointer<Float>, stream: RandomStream) {
        let pixels = height * width
        let x = scratch, y = scratch + pixels
        BilinearSampling.fillIdentity(x: x, y: y, height: height, width: width)
        elastic?.displace(x: x, y: y, height: height, width: width, stream: stream.child(2), scratch: scratch + 2 * pixels)
        affine?.transform(stream: stream.child(1), height: height, width: width).map(x: x, y: y, count: pixels)
        BilinearSampling.sample(source: source, height: height, width: width, x: x, y: y, into: target, scratch: scratch + 2 * pixels)
        noise?.apply(to: target, count: pixels, stream: stream.child(3))
    }

    /// The augmented version of `image` (`height · width` bytes, row-major), byte scale.
    public func augmented(_ image: [UInt8], stream: RandomStream) -> [Float] {
        precondition(image.count == height * width, "image of \(image.count) pixels for an augmenter of \(height)×\(width)")
        var result = [Float](repeating: 0, count: image.count)
        image.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                augment(source: source.baseAddress!, into: target.baseAddress!, stream: stream)
            }
        }
        return result
    }

    /// `image` resampled through one given transform (no elastic step, no noise), byte scale:
    /// for looking at or testing a transform.
    public static func resample(_ image: [UInt8], height: Int, width: Int, through transform: AffineTransform) -> [Float] {
        precondition(image.count == height * width, "image of \(image.count) pixels for \(height)×\(width)")
        var result = [Float](repeating: 0, count: image.count)
        var scratch = [Float](repeating: 0, count: 2 * image.count + BilinearSampling.scratchCount(height: height, width: width))
        image.withUnsafeBufferPointer { source in
            scratch.withUnsafeMutableBufferPointer { scratch in
                result.withUnsafeMutableBufferPointer { target in
                    let x = scratch.baseAddress!, y = x + image.count
                    BilinearSampling.fillIdentity(x: x, y: y, height: height, width: width)
                    transform.map(x: x, y: y, count: image.count)
                    BilinearSampling.sample(source: source.baseAddress!, height: height, width: width, x: x, y: y,
                                            into: target.baseAddress!, scratch: y + image.count)
                }
            }
        }
        return result
    }
}
