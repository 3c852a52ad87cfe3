// Kernel legend (one sample): input x[C, H, W], kernels w[K, C, R, S], output y[K, P, Q].
// P = floor((H + 2·pad − R) / stride) + 1, Q likewise with W and S.
// The im2col matrix col[C·R·S, P·Q] has col[(c, r, s), (p, q)] = x[c, p·stride + r − pad,
// q·stride + s − pad] (zero outside the image), so that y = w[K, CRS] · col (cross-correlation,
// as in every deep-learning framework: the kernel is not flipped).

/// The sizes of one 2-D convolution (square or not, same stride and zero padding on both axes).
public struct ConvolutionGeometry: Hashable, Sendable {
    /// Input channels, height, width.
    public let inputChannels: Int, height: Int, width: Int
    /// Output channels (kernels).
    public let outputChannels: Int
    /// Kernel height and width.
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int
    public let padding: Int
    /// Output height and width.
    public let outputHeight: Int, outputWidth: Int

    /// The geometry, or `nil` if the kernel does not fit in the padded input (or a size is not
    /// positive).
    public init?(input: FeatureShape, outputChannels: Int, kernelHeight: Int, kernelWidth: Int,
                 stride: Int, padding: Int) {
        guard outputChannels > 0, kernelHeight > 0, kernelWidth > 0, stride > 0, padding >= 0,
              input.height + 2 * padding >= kernelHeight, input.width + 2 * padding >= kernelWidth
        else { return nil }
        inputChannels = input.channels
        height = input.height
        width = input.width
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        outputHeight = (height + 2 * padding - kernelHeight) / stride + 1
        outputWidth = (width + 2 * padding - kernelWidth) / stride + 1
    }

    /// Rows of the im2col matrix, `C · R · S` (the GEMM depth of the forward pass).
    public var patchSize: Int { inputChannels * kernelHeight * kernelWidth }
    /// Columns of the im2col matrix, `P · Q`.
    public var outputPixels: Int { outputHeight * outputWidth }
    /// Values of one input sample, `C · H · W`.
    public var inputCount: Int { inputChannels * height * width }
    /// Values of one output sample, `K · P · Q`.
    public var outputCount: Int { outputChannels * outputPixels }
    public var outputShape: FeatureShape {
        FeatureShape(channels: outputChannels, height: outputHeight, width: outputWidth)
    }
}

/// The im2col matrix `col[C·R·S, P·Q]` of one input sample as a GEMM B operand, packed straight
/// from the image (implicit im2col: the full matrix is never stored).
struct Im2ColPanels: GEMMPanelSource {
    let image: UnsafePointer<Float>
    let g: ConvolutionGeometry

    @inline(__always)
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let nr = GEMM.nr
        let valid = min(nr, columns - j0)
        let rs = g.kernelHeight * g.kernelWidth
        let p0 = j0 / g.outputWidth, q0 = j0 % g.outputWidth
        for kk in 0 ..< kc {
            let k = k0 + kk
            let c = k / rs, r = (k % rs) / g.kernelWidth, s = k % g.kernelWidth
            let channel = image + c * g.height * g.width
            let dst = panel + kk * nr
            var p = p0, q = q0
            for jj in 0 ..< valid {
                let h = p * g.stride + r - g.padding
                let w = q * g.stride + s - g.padding
                dst[jj] = (h >= 0 && h < g.height && w >= 0 && w < g.width) ? channel[h * g.width + w] : 0
                q += 1
                if q == g.outputWidth { q = 0; p += 1 }
            }
            for jj in valid ..< nr { dst[jj] = 0 }
        }
    }
}

/// The transposed im2col matrix `colᵀ[P·Q, C·R·S]` of one input sample as a GEMM B operand
/// (for the kernel gradient `dW[K, CRS] += dY[K, PQ] · colᵀ`).
struct Im2ColTransposedPanels: GEMMPanelSource {
    let image: UnsafePointer<Float>
    let g: ConvolutionGeometry

    @inline(__always)
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let nr = GEMM.nr
        let valid = min(nr, columns - j0)
        let rs = g.kernelHeight * g.kernelWidth
        let c0 = j0 / rs, r0 = (j0 % rs) / g.kernelWidth, s0 = j0 % g.kernelWidth
        var p = k0 / g.outputWidth, q = k0 % g.outputWidth
        for kk in 0 ..< kc {
            let dst = panel + kk * nr
            var c = c0, r = r0, s = s0
            for jj in 0 ..< valid {
                let h = p * g.stride + r - g.padding
                let w = q * g.stride + s - g.padding
                dst[jj] = (h >= 0 && h < g.height && w >= 0 && w < g.width)
                    ? image[(c * g.height + h) * g.width + w] : 0
                s += 1
                if s == g.kernelWidth {
                    s = 0; r += 1
                    if r == g.kernelHeight { r = 0; c += 1 }
                }
            }
            for jj in valid ..< nr { dst[jj] = 0 }
            q += 1
            if q == g.outputWidth { q = 0; p += 1 }
        }
    }
}

/// col2im: adds each entry of `dCol[C·R·S, P·Q]` into the input gradient `dx[C, H, W]` at the
/// pixel it was read from (entries that came from the zero padding are dropped). The order of
/// the additions is fixed: by row of dCol, then by output pixel.
func col2imAccumulate(_ dCol: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, geometry g: ConvolutionGeometry) {
    let pq = g.outputPixels
    var row = 0
    for c in 0 ..< g.inputChannels {
        let channel = dx + c * g.height * g.width
        for r in 0 ..< g.kernelHeight {
            for s in 0 ..< g.kernelWidth {
                let src = dCol + row * pq
                for p in 0 ..< g.outputHeight {
                    let h = p * g.stride + r - g.padding
                    if h < 0 || h >= g.height { continue }
                    let line = channel + h * g.width
                    let srcLine = src + p * g.outputWidth
                    for q in 0 ..< g.outputWidth {
                        let w = q * g.stride + s - g.padding
                        if w >= 0 && w < g.width { line[w] += srcLine[q] }
                    }
                }
                row += 1
            }
        }
    }
}
