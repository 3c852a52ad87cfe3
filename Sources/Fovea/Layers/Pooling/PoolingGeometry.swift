/// The windows of a 2-D pooling, shared by every pooling kind: `kernel × kernel` windows moved
/// by `stride` over the input with `padding` rows and columns added on every side, each channel
/// separately (PyTorch's `MaxPool2d`/`AvgPool2d` with `ceil_mode=False`).
///
/// Shapes: input `[C, H, W]`, output `[C, P, Q]` with `P = ⌊(H + 2·pad − K) / S⌋ + 1` (and `Q`
/// likewise). Padding holds no value of its own: a window's cells that fall in it are skipped by
/// max, min and sum, and counted as zeros by average pooling's divisor `K²` (PyTorch's default
/// `count_include_pad=True`). As in PyTorch, `pad` is at most `K / 2`, so every window holds at
/// least one cell of the image.
public struct PoolingGeometry: Hashable, Sendable {
    public let input: FeatureShape
    public let kernel: Int
    public let stride: Int
    public let padding: Int

    /// `nil` if a size is not positive (padding: negative), the padding is more than half the
    /// window, or the window does not fit in the padded input.
    public init?(input: FeatureShape, kernel: Int, stride: Int, padding: Int = 0) {
        guard kernel > 0, stride > 0, padding >= 0, 2 * padding <= kernel,
              input.height + 2 * padding >= kernel, input.width + 2 * padding >= kernel else { return nil }
        self.input = input
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// The arguments every pooling kind takes: `(K[,stride=S][,pad=P])`.
    public static let arguments: [LayerArgument] = [
        .positional("kernel", placeholder: "K", .size(atLeast: 1), describedAs: "the pooling window"),
        .keyword("stride", placeholder: "S", .size(atLeast: 1), default: .sameAs("kernel"), describedAs: "stride"),
        .keyword("pad", placeholder: "P", .size(atLeast: 0), default: .integer(0), describedAs: "pad"),
    ]

    /// The geometry `arguments` (as `PoolingGeometry.arguments` declares them) give on `input`;
    /// `layer` names the pooling in errors ("max pooling").
    public static func make(_ arguments: LayerArguments, input: LayerInput, for layer: String) throws(LayerBuildError) -> PoolingGeometry {
        try input.requireImage(for: layer)
        let kernel = arguments.integer("kernel"), padding = arguments.integer("pad")
        guard 2 * padding <= kernel else {
            throw .inconsistent("pad=\(padding) is more than half the \(kernel)×\(kernel) window (at most \(kernel / 2), as in PyTorch)")
        }
        guard let geometry = PoolingGeometry(input: input.shape, kernel: kernel, stride: arguments.integer("stride"), padding: padding) else {
            throw .doesNotFit("a \(kernel)×\(kernel) window" + (padding > 0 ? " with pad=\(padding)" : ""), input: input.shape)
        }
        return geometry
    }

    /// The values that rebuild this geometry with `make`.
    public var argumentValues: LayerArguments {
        ["kernel": .integer(kernel), "stride": .integer(stride), "pad": .integer(padding)]
    }

    public var output: FeatureShape {
        FeatureShape(channels: input.channels, height: (input.height + 2 * padding - kernel) / stride + 1,
                     width: (input.width + 2 * padding - kernel) / stride + 1)
    }

    /// The input rows the windows of output row `p` cover, without the padding.
    @inline(__always)
    func rows(_ p: Int) -> Range<Int> {
        let start = p &* stride &- padding
        return max(0, start) ..< min(input.height, start &+ kernel)
    }

    /// The input columns the window of output column `q` covers, without the padding.
    @inline(__always)
    func columns(_ q: Int) -> Range<Int> {
        let start = q &* stride &- padding
        return max(0, start) ..< min(input.width, start &+ kernel)
    }

    /// The common 2 × 2, stride-2 pool without padding, which `TwoByTwoPooling` runs 16 outputs
    /// at a time.
    var isTwoByTwo: Bool { kernel == 2 && stride == 2 && padding == 0 }

    /// Floats per plane of the input and of the output.
    var inputPlane: Int { input.height * input.width }
    var outputPlane: Int { output.height * output.width }

    /// Calls `body(inputPlane, output, rows, columns)` for every output pixel of `planes`
    /// planes (`N · C`), in storage order: `inputPlane` is the offset of the pixel's input plane,
    /// `output` the pixel's offset in the output, `rows` and `columns` its window's image cells
    /// (`rows(_:)`, `columns(_:)`). The window iteration every general pooling path shares.
    @inline(__always)
    func forEachWindow(planes: Int, _ body: (_ inputPlane: Int, _ output: Int, _ rows: Range<Int>, _ columns: Range<Int>) -> Void) {
        let out = output
        var o = 0
        for plane in 0 ..< planes {
            let inputPlane = plane &* self.inputPlane
            for p in 0 ..< out.height {
                let rows = rows(p)
                for q in 0 ..< out.width {
                    body(inputPlane, o, rows, columns(q))
                    o &+= 1
                }
            }
        }
    }
}
