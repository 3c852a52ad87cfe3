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
        var scratch = [Float](repeating: 0, count: scratchCount(height: height, width: width))
        x.withUnsafeMutableBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    displace(x: x.baseAddress!, y: y.baseAddress!, height: height, width: width, stream: stream, scratch: scratch.baseAddress!)
                }
            }
        }
        return (x, y)
    }

    /// Floats of scratch memory `displace` needs for an image of `height × width`: the two raw
    /// fields and the row pass's output, each zero-padded by the kernel's radius on every side,
    /// and the column pass's output (`H` padded rows).
    func scratchCount(height: Int, width: Int) -> Int {
        let padded = width + 2 * kernel.radius
        return 3 * (height + 2 * kernel.radius) * padded + height * padded
    }

    /// Adds the sample's displacement to the sampling points `(x[i], y[i])` of an image of
    /// `height × width` pixels. `scratch` holds `scratchCount(height:width:)` floats. Allocates
    /// nothing.
    ///
    /// Each raw field sits in a zero border as wide as the kernel's radius, row stride
    /// `P = W + 2r`, so that both smoothing passes are plain strided convolutions over
    /// contiguous spans (`GaussianKernel.convolve`): rows with step 1, then columns with step `P`.
    /// The border stands for the zero field outside the image; values computed in the border
    /// columns are never read back.
    func displace(x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>, height: Int, width: Int,
                  stream: RandomStream, scratch: UnsafeMutablePointer<Float>) {
        let r = kernel.radius, stride = width + 2 * r
        let paddedCount = (height + 2 * r) * stride
        let rawX = scratch, rawY = scratch + paddedCount, rows = scratch + 2 * paddedCount, smooth = scratch + 3 * paddedCount
        // Zero borders (and interiors, overwritten next) of both raw fields and of the row pass.
        scratch.update(repeating: 0, count: 3 * paddedCount)
        for row in 0 ..< height {
            for column in 0 ..< width {
                let (u, v) = stream.uniformPair(UInt64(row * width + column))
                rawX[(row + r) * stride + r + column] = 2 * u - 1
                rawY[(row + r) * stride + r + column] = 2 * v - 1
            }
        }
        let strength = Float(alpha)
        func smoothAndAdd(_ raw: UnsafeMutablePointer<Float>, to points: UnsafeMutablePointer<Float>) {
            // Rows r ..< r + H of the row pass (its border rows stay 0), then the column pass
            // of the H image rows.
            kernel.convolve(raw + r * stride, step: 1, into: rows + r * stride, count: height * stride)
            kernel.convolve(rows + r * stride, step: stride, into: smooth, count: height * stride)
            for row in 0 ..< height {
                for column in 0 ..< width {
                    points[row * width + column] += strength * smooth[row * stride + r + column]
                }
            }
        }
        smoothAndAdd(rawX, to: x)
        smoothAndAdd(rawY, to: y)
    }
}
