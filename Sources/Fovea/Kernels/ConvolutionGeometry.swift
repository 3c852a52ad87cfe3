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
    /// Winograd, which `Conv2D` chooses only when `hasSymmetricPadding`).
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
    /// it does not run as Winograd (then `Conv2D` runs it direct for stride 1 without dilation,
    /// else as im2col):
    /// Winograd needs a 3 × 3 kernel, stride 1, the same padding on every side, and at least 8
    /// input channels (below that the transforms, which work on 16 channels at once, cost more
    /// than the multiply-adds they save); a dilated kernel runs as D² phases of ⌈P/D⌉ × ⌈Q/D⌉
    /// outputs (`WinogradConvolution`), chosen only when it multiplies less than im2col (with
    /// D > P, some phases are empty but still computed). Of m = 2 and 4, the one with fewer
    /// multiplications over the whole output (α² per tile, partial tiles included) wins, the
    /// smaller on a tie. It depends on the geometry only, so every thread count and batch
    /// computes the same numbers.
    public var preferredWinogradTile: Int? {
        guard allowsWinograd && inputChannels >= 8 else { return nil }
        let phaseHeight = (outputHeight + dilation - 1) / dilation, phaseWidth = (outputWidth + dilation - 1) / dilation
        func multiplications(_ m: Int) -> Int {
            ((phaseHeight + m - 1) / m) * ((phaseWidth + m - 1) / m) * (m + 2) * (m + 2)
        }
        let tile = multiplications(4) < multiplications(2) ? 4 : 2
        if dilation > 1 && dilation * dilation * multiplications(tile) >= outputHeight * outputWidth * 9 { return nil }
        return tile
    }

    /// Whether `WinogradConvolution` can compute this convolution at all: a 3 × 3 kernel (any
    /// dilation), stride 1, the same padding on every side.
    public var allowsWinograd: Bool {
        kernelHeight == 3 && kernelWidth == 3 && stride == 1 && hasSymmetricPadding
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
