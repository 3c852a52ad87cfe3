/// The elastic step of augmentation (Simard, Steinkraus & Platt 2003): each output pixel's
/// sampling point moves by `alpha · (G_σ ∗ U)`, where `U` holds a displacement uniform in
/// [−1, 1) per pixel and axis and `G_σ` is a normalised Gaussian (`GaussianKernel`).
///
/// Draws (from the sample's elastic stream): pair `i` gives the raw x and y displacement of
/// pixel `i` (row-major).
public struct ElasticDistortion: Hashable, Sendable {
    /// Strength in pixels.
    public let alpha: Double
    public let kernel: GaussianKernel

    /// The distortion for images of `height × width` pixels (the kernel is computed once here).
    public init(alpha: Double, sigma: Double, height: Int, width: Int) {
        self.alpha = alpha
        kernel = GaussianKernel(sigma: sigma, maximumRadius: max(height, width) - 1)
    }

    /// The displacement field of the sample whose elastic draws come from `stream`, in pixels:
    /// `x [H, W]` and `y [H, W]`, as `displace` adds it (for tests and inspection; allocates).
    public func displacementField(stream: RandomStream, height: Int, width: Int) -> (x: [Float], y: [Float]) {
        let count = height * width
        var x = [Float](repeating: 0, count: count), y = x
        var scratch = [Float](repeating: 0, count: ElasticDistortion.scratchCount(pixels: count))
        x.withUnsafeMutableBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    displace(x: x.baseAddress!, y: y.baseAddress!, height: height, width: width, stream: stream, scratch: scratch.baseAddress!)
                }
            }
        }
        return (x, y)
    }

    /// Floats of scratch memory `displace` needs for an image of `count` pixels.
    static func scratchCount(pixels count: Int) -> Int { 3 * count }

    /// Adds the sample's displacement to the sampling points `(x[i], y[i])` of an image of
    /// `height × width` pixels. `scratch` holds `scratchCount(pixels:)` floats. Allocates nothing.
    func displace(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, height: Int, width: Int,
                  stream: RandomStream, scratch: UnsafeMutablePointer<Float>) {
        let count = height * width
        let fieldX = scratch, fieldY = scratch + count, temporary = scratch + 2 * count
        for i in 0 ..< count {
            let (u, v) = stream.uniformPair(UInt64(i))
            fieldX[i] = 2 * u - 1
            fieldY[i] = 2 * v - 1
        }
        kernel.smooth(fieldX, height: height, width: width, scratch: temporary)
        kernel.smooth(fieldY, height: height, width: width, scratch: temporary)
        let strength = Float(alpha)
        for i in 0 ..< count {
            x[i] += strength * fieldX[i]
            y[i] += strength * fieldY[i]
        }
    }
}
