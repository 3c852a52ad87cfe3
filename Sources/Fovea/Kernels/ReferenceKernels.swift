/// Naive kernels kept as the algorithmic reference: the tests check every fast kernel against
/// these on odd shapes. Sums are in `Double`, so they are also the more accurate of the two.
public enum ReferenceKernels {
    /// `C[m, n] = A[m, k] · B[k, n]` (or `+=` when `accumulate`), C row-major with `ldc`.
    public static func multiply(a: StridedMatrix, b: StridedMatrix, c: UnsafeMutablePointer<Float>, ldc: Int,
                                m: Int, n: Int, k: Int, accumulate: Bool) {
        for i in 0 ..< m {
            for j in 0 ..< n {
                var sum: Double = accumulate ? Double(c[i * ldc + j]) : 0
                for kk in 0 ..< k { sum += Double(a[i, kk]) * Double(b[kk, j]) }
                c[i * ldc + j] = Float(sum)
            }
        }
    }

    /// Direct convolution (cross-correlation) of one sample, `y[K, P, Q] = Σ w · x + bias`.
    public static func convolve(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                                y: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
        for k in 0 ..< g.outputChannels {
            for p in 0 ..< g.outputHeight {
                for q in 0 ..< g.outputWidth {
                    var sum = Double(bias[k])
                    for c in 0 ..< g.inputChannels {
                        for r in 0 ..< g.kernelHeight {
                            for s in 0 ..< g.kernelWidth {
                                let h = p * g.stride + r * g.dilation - g.paddingTop, w = q * g.stride + s * g.dilation - g.paddingLeft
                                guard h >= 0, h < g.height, w >= 0, w < g.width else { continue }
                                let wi = ((k * g.inputChannels + c) * g.kernelHeight + r) * g.kernelWidth + s
                                sum += Double(weight[wi]) * Double(x[(c * g.height + h) * g.width + w])
                            }
                        }
                    }
                    y[(k * g.outputHeight + p) * g.outputWidth + q] = Float(sum)
                }
            }
        }
    }
}
