// Kernel legend (one sample): input x[C, H, W], kernels w[K, C, R, S], output y[K, P, Q].
// P = floor((H + top + bottom − D·(R − 1) − 1) / stride) + 1, Q likewise with W and S (D: the
// dilation, 1 for adjacent taps).
// The im2col matrix col[C·R·S, P·Q] has col[(c, r, s), (p, q)] = x[c, p·stride + r·D − top,
// q·stride + s·D − left] (zero outside the image), so that y = w[K, CRS] · col (cross-correlation,
// as in every deep-learning framework: the kernel is not flipped).

/// The sizes of one 2-D convolution (square or not, same stride on both axes, zero padding that
/// may differ per side, kernel taps `dilation` apart).
public struct ConvolutionGeometry: Hashable, Sendable {
    /// Input channels, height, width.
    public let inputChannels: Int, height: Int, width: Int
    /// Output channels (kernels).
    public let outputChannels: Int
    /// Kernel height and width (taps).
    public let kernelHeight: Int, kernelWidth: Int
    public let stride: Int
    /// Rows and columns of zeros before the first and after the last input row and column.
    public let paddingTop: Int, paddingBottom: Int, paddingLeft: Int, paddingRight: Int
    /// Distance between neighbouring kernel taps, in input pixels (1: adjacent).
    public let dilation: Int
    /// Output height and width.
    public let outputHeight: Int, outputWidth: Int

    /// A convolution with `padding` on every side, or `nil` if the (dilated) kernel does not fit
    /// in the padded input or a size is not positive.
    public init?(input: FeatureShape, outputChannels: Int, kernelHeight: Int, kernelWidth: Int,
                 stride: Int, padding: Int, dilation: Int = 1) {
        self.init(input: input, outputChannels: outputChannels, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
                  dilation: dilation, padding: (top: padding, bottom: padding, left: padding, right: padding))
    }

    /// A convolution with the padding Keras and TensorFlow call "same": the output is
    /// `⌈n / stride⌉` on each axis, the padding that needs split in two with the odd row or
    /// column at the bottom and right (as PyTorch's `padding="same"` does too).
    public init?(sameOutputFor input: FeatureShape, outputChannels: Int, kernelHeight: Int, kernelWidth: Int,
                 stride: Int, dilation: Int = 1) {
        guard stride > 0, dilation > 0, kernelHeight > 0, kernelWidth > 0 else { return nil }
        func split(_ n: Int, _ kernel: Int) -> (Int, Int) {
            let output = (n + stride - 1) / stride
            let total = max((output - 1) * stride + dilation * (kernel - 1) + 1 - n, 0)
            return (total / 2, total - total / 2)
        }
        let (top, bottom) = split(input.height, kernelHeight), (left, right) = split(input.width, kernelWidth)
        self.init(input: input, outputChannels: outputChannels, kernelHeight: kernelHeight, kernelWidth: kernelWidth, stride: stride,
                  dilation: dilation, padding: (top, bottom, left, right))
    }

    init?(input: FeatureShape, outputChannels: Int, kernelHeight: Int, kernelWidth: Int, stride: Int, dilation: Int,
                  padding: (top: Int, bottom: Int, left: Int, right: Int)) {
        let extentHeight = dilation * (kernelHeight - 1) + 1, extentWidth = dilation * (kernelWidth - 1) + 1
        guard outputChannels > 0, kernelHeight > 0, kernelWidth > 0, stride > 0, dilation > 0,
              min(padding.top, padding.bottom, padding.left, padding.right) >= 0,
              input.height + padding.top + padding.bottom >= extentHeight, input.width + padding.left + padding.right >= extentWidth
        else { return nil }
        inputChannels = input.channels
        height = input.height
        width = input.width
        self.outputChannels = outputChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.dilation = dilation
        (paddingTop, paddingBottom, paddingLeft, paddingRight) = padding
        outputHeight = (height + padding.top + padding.bottom - extentHeight) / stride + 1
        outputWidth = (width + padding.left + padding.right - extentWidth) / stride + 1
    }

    /// Whether every side has the same padding (then `padding` is it).
    public var hasSymmetricPadding: Bool {
        paddingTop == paddingBottom && paddingTop == paddingLeft && paddingTop == paddingRight
    }

    /// The padding of every side, for the kernels that only take symmetric padding (direct and
    /// Winograd, which `Conv2D` chooses only when `hasSymmetricPadding` and `dilation == 1`).
    public var padding: Int { paddingTop }

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

    /// The output tile side m of the Winograd F(m×m, 3×3) the convolution runs as, or `nil` if
    /// it does not run as Winograd (then `Conv2D` runs it direct for stride 1, else as im2col):
    /// Winograd needs a 3 × 3 kernel, stride 1, no dilation, the same padding on every side, and at least 8 input channels
    /// (below that the transforms, which work on 16 channels at once, cost more than the
    /// multiply-adds they save). Of m = 2 and 4, the one with fewer multiplications over the
    /// whole output (α² per tile, partial tiles included) wins, the smaller on a tie. It depends
    /// on the geometry only, so every thread count and batch computes the same numbers.
    public var preferredWinogradTile: Int? {
        guard kernelHeight == 3 && kernelWidth == 3 && stride == 1 && dilation == 1 && hasSymmetricPadding && inputChannels >= 8 else { return nil }
        func multiplications(_ m: Int) -> Int {
            ((outputHeight + m - 1) / m) * ((outputWidth + m - 1) / m) * (m + 2) * (m + 2)
        }
        return multiplications(4) < multiplications(2) ? 4 : 2
    }
}

/// Writes `count` consecutive entries of row `(c, r, s)` of the im2col matrix, starting at output
/// pixel `(p0, q0)`, to `out[0]`, `out[stride]`, … The pixels are walked one output row at a time,
/// so that each run is a contiguous (stride 1) or strided read of one input row; rows and columns
/// that fall in the zero padding give zeros. No division in the loop.
@inline(__always)
func gatherIm2ColRow(channel: UnsafePointer<Float>, r: Int, s: Int, p0: Int, q0: Int, count: Int,
                     into out: UnsafeMutablePointer<Float>, stride outStride: Int, geometry g: ConvolutionGeometry) {
    var p = p0, q = q0, t = 0
    while t < count {
        let run = min(g.outputWidth &- q, count &- t)
        let dst = out + t &* outStride
        let h = p &* g.stride &+ r &* g.dilation &- g.paddingTop
        if h < 0 || h >= g.height {
            for u in 0 ..< run { dst[u &* outStride] = 0 }
        } else {
            let row = channel + h &* g.width
            let w0 = q &* g.stride &+ s &* g.dilation &- g.paddingLeft
            if g.stride == 1 && w0 >= 0 && w0 &+ run <= g.width {
                if outStride == 1 {
                    dst.update(from: row + w0, count: run)
                } else {
                    for u in 0 ..< run { dst[u &* outStride] = row[w0 &+ u] }
                }
            } else {
                for u in 0 ..< run {
                    let w = w0 &+ u &* g.stride
                    dst[u &* outStride] = (w >= 0 && w < g.width) ? row[w] : 0
                }
            }
        }
        t &+= run
        q = 0
        p &+= 1
    }
}

/// A row `(c, r, s)` of the im2col matrix (input channel, kernel row, kernel column), stepped
/// through the rows in order without divisions.
struct PatchCursor {
    var c: Int, r: Int, s: Int

    /// The cursor at row `row`.
    @inline(__always)
    init(row: Int, geometry g: ConvolutionGeometry) {
        c = row / (g.kernelHeight * g.kernelWidth)
        r = (row / g.kernelWidth) % g.kernelHeight
        s = row % g.kernelWidth
    }

    /// Moves to the next row.
    @inline(__always)
    mutating func advance(_ g: ConvolutionGeometry) {
        s &+= 1
        if s == g.kernelWidth {
            s = 0
            r &+= 1
            if r == g.kernelHeight { r = 0; c &+= 1 }
        }
    }
}

/// The im2col matrix `col[C·R·S, P·Q]` of one input sample as a GEMM B operand, packed straight
/// from the image (implicit im2col: the full matrix is never stored). Used by the forward pass,
/// `y[K, PQ] = w[K, CRS] · col`.
struct Im2ColPanels: GEMMPanelSource {
    let image: UnsafePointer<Float>
    let g: ConvolutionGeometry

    @inline(__always)
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let nr = GEMM.nr
        let valid = min(nr, columns - j0)
        let p0 = j0 / g.outputWidth, q0 = j0 % g.outputWidth
        let plane = g.height &* g.width
        var row = PatchCursor(row: k0, geometry: g)
        for kk in 0 ..< kc {
            let dst = panel + kk &* nr
            gatherIm2ColRow(channel: image + row.c &* plane, r: row.r, s: row.s, p0: p0, q0: q0, count: valid,
                            into: dst, stride: 1, geometry: g)
            for jj in valid ..< nr { dst[jj] = 0 }
            row.advance(g)
        }
    }
}

/// The im2col matrix `col[C·R·S, P·Q]` of one input sample as a GEMM A operand, packed straight
/// from the image. Used for the kernel gradient in transposed form,
/// `dWᵀ[CRS, K] = col[CRS, PQ] · dyᵀ[PQ, K]`, where each strip row is one contiguous run of
/// pixels.
struct Im2ColRows: GEMMStripSource {
    let image: UnsafePointer<Float>
    let g: ConvolutionGeometry

    @inline(__always)
    func packStrip(i0: Int, rows: Int, k0: Int, kc: Int, into strip: UnsafeMutablePointer<Float>) {
        let p0 = k0 / g.outputWidth, q0 = k0 % g.outputWidth
        let plane = g.height &* g.width
        var row = PatchCursor(row: i0, geometry: g)
        for i in 0 ..< rows {
            gatherIm2ColRow(channel: image + row.c &* plane, r: row.r, s: row.s, p0: p0, q0: q0, count: kc,
                            into: strip + i, stride: GEMM.mr, geometry: g)
            row.advance(g)
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
                // The output columns q whose input column w = q·stride + s·dilation − left is inside.
                let offset = s * g.dilation - g.paddingLeft
                let qStart = max(0, (-offset + g.stride - 1) / g.stride)
                let lastInside = g.width - 1 - offset  // largest q·stride with w inside
                let qEnd = lastInside < 0 ? 0 : min(g.outputWidth, lastInside / g.stride + 1)
                for p in 0 ..< g.outputHeight {
                    let h = p * g.stride + r * g.dilation - g.paddingTop
                    if h < 0 || h >= g.height || qStart >= qEnd { continue }
                    let line = channel + h * g.width
                    let srcLine = src + p * g.outputWidth
                    if g.stride == 1 {
                        Elementwise.add(srcLine + qStart, into: line + qStart + offset, count: qEnd - qStart)
                    } else {
                        for q in qStart ..< qEnd { line[q * g.stride + offset] += srcLine[q] }
                    }
                }
                row += 1
            }
        }
    }
}
