/// Max pooling over `kernel × kernel` windows moved by `stride`, no padding; each channel
/// separately.
///
/// Shapes: x `[N, C, H, W]`, y `[N, C, P, Q]` with `P = floor((H − kernel) / stride) + 1`.
/// Backward routes each `dy` to the first position (in row-major window order) that holds the
/// window's maximum; it is found again from x and y rather than stored. Overlapping windows
/// (`stride < kernel`) add up. The common 2 × 2, stride-2 pool runs on 16 output columns at once;
/// on even-sized planes up to 32 wide its vectors run past the end of a row (reading and writing
/// the rows after it, which are computed next and overwrite that spill), except near the end of
/// the tensors.
public struct MaxPool2D: RegisteredLayer {
    public let input: FeatureShape
    public let kernel: Int
    public let stride: Int

    /// `nil` if the window does not fit in the input or a size is not positive.
    public init?(input: FeatureShape, kernel: Int, stride: Int) {
        guard kernel > 0, stride > 0, input.height >= kernel, input.width >= kernel else { return nil }
        self.input = input
        self.kernel = kernel
        self.stride = stride
    }

    public static let token = "maxpool"
    public static let identifier = "maxpool"
    public static let meaning = "max over K×K windows (stride defaults to K)"
    public static let arguments: [LayerArgument] = [
        .positional("kernel", placeholder: "K", .size(atLeast: 1), describedAs: "the pooling window"),
        .keyword("stride", placeholder: "S", .size(atLeast: 1), default: .sameAs("kernel"), describedAs: "stride"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> MaxPool2D {
        try input.requireImage(for: "max pooling")
        let kernel = arguments.integer("kernel")
        guard let pool = MaxPool2D(input: input.shape, kernel: kernel, stride: arguments.integer("stride")) else {
            throw .doesNotFit("a \(kernel)×\(kernel) window", input: input.shape)
        }
        return pool
    }

    public var argumentValues: LayerArguments { ["kernel": .integer(kernel), "stride": .integer(stride)] }
    /// Max pooling selects values: the walk for the initialisation gain goes on past it.
    public var initializationRole: InitializationRole { .transparent }
    public var inputShape: FeatureShape { input }
    /// Each output is its window's maximum, the gradient routed to the first one: a ReLU before
    /// it runs after it (`ReLU.commuted(past:)`).
    public var selectsMaximum: Bool { true }
    public var outputShape: FeatureShape {
        FeatureShape(channels: input.channels, height: (input.height - kernel) / stride + 1,
                     width: (input.width - kernel) / stride + 1)
    }

    public func forward(_ pass: LayerForward) {
        let out = outputShape
        let planes = pass.batch * input.channels
        if kernel == 2 && stride == 2 {
            for plane in 0 ..< planes {
                forwardTwoByTwo(x: pass.input + plane * input.height * input.width, y: pass.output + plane * out.height * out.width,
                                room: room(plane: plane, of: planes))
            }
            return
        }
        for plane in 0 ..< planes {
            let x = pass.input + plane * input.height * input.width
            let y = pass.output + plane * out.height * out.width
            for p in 0 ..< out.height {
                for q in 0 ..< out.width {
                    let origin = x + p * stride * input.width + q * stride
                    var best = origin[0]
                    for r in 0 ..< kernel {
                        for s in 0 ..< kernel { best = max(best, origin[r * input.width + s]) }
                    }
                    y[p * out.width + q] = best
                }
            }
        }
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        let out = outputShape
        let planes = pass.batch * input.channels
        if kernel == 2 && stride == 2 {
            // Every input pixel is written, except a last row or column left over by an odd size.
            if input.height % 2 != 0 || input.width % 2 != 0 { dInput.update(repeating: 0, count: pass.batch * input.count) }
            for plane in 0 ..< planes {
                let inputOffset = plane * input.height * input.width, outputOffset = plane * out.height * out.width
                backwardTwoByTwo(x: pass.input + inputOffset, y: pass.output + outputOffset, dy: pass.dOutput + outputOffset,
                                 dx: dInput + inputOffset, room: room(plane: plane, of: planes))
            }
            return
        }
        dInput.update(repeating: 0, count: pass.batch * input.count)
        for plane in 0 ..< planes {
            let x = pass.input + plane * input.height * input.width
            let dx = dInput + plane * input.height * input.width
            let y = pass.output + plane * out.height * out.width
            let dy = pass.dOutput + plane * out.height * out.width
            for p in 0 ..< out.height {
                for q in 0 ..< out.width {
                    let offset = p * stride * input.width + q * stride
                    let best = y[p &* out.width &+ q]
                    // The first position holding the maximum: scan backwards with a branch-free
                    // select, so the last match seen is the first in window order.
                    var argmax = offset
                    var r = kernel &- 1
                    while r >= 0 {
                        var s = kernel &- 1
                        while s >= 0 {
                            let j = offset &+ r &* input.width &+ s
                            argmax = x[j] == best ? j : argmax
                            s &-= 1
                        }
                        r &-= 1
                    }
                    dx[argmax] += dy[p &* out.width &+ q]
                }
            }
        }
    }

    // MARK: 2 × 2, stride 2

    /// The four values of the windows of output pixels `(p, q0 ..< q0 + 16)` of one plane:
    /// top-left, top-right, bottom-left, bottom-right, one lane per output pixel (`count` valid).
    @inline(__always)
    private func windows(_ x: UnsafePointer<Float>, p: Int, q0: Int, count: Int)
        -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        let top = x + (2 &* p &* input.width &+ 2 &* q0), bottom = top + input.width
        let columns = 2 &* count
        let (topLeft, topRight) = VectorLanes.deinterleave(VectorLanes.load(top, count: min(16, columns)),
                                                           VectorLanes.load(top + 16, count: max(0, columns &- 16)))
        let (bottomLeft, bottomRight) = VectorLanes.deinterleave(VectorLanes.load(bottom, count: min(16, columns)),
                                                                 VectorLanes.load(bottom + 16, count: max(0, columns &- 16)))
        return (topLeft, topRight, bottomLeft, bottomRight)
    }

    /// Floats from the start of `plane` to the end of the input and output tensors.
    private func room(plane: Int, of planes: Int) -> (input: Int, output: Int) {
        ((planes - plane) * input.count / input.channels, (planes - plane) * outputShape.count / input.channels)
    }

    /// Whether output row `p` of a plane may be computed with one whole vector that spills into
    /// the rows after it: only on even-sized planes (an odd one has a last row or column no
    /// window covers, which a spill would leave dirty), rows of at most 16 outputs (with more,
    /// the top row's spill from a later vector would land on the bottom row's earlier one), and
    /// only where the spill stays inside the tensors (`room` floats from the plane's start on).
    @inline(__always)
    private func rowSpills(_ p: Int, room: (input: Int, output: Int)) -> Bool {
        input.height % 2 == 0 && input.width % 2 == 0 && outputShape.width <= 16
            && (2 &* p &+ 1) &* input.width &+ 32 <= room.input && p &* outputShape.width &+ 16 <= room.output
    }

    /// Calls `body(p, q0, count)` for the output pixels `(p, q0 ..< q0 + count)` of a plane, 16
    /// at a time, row by row; `count` is 16 wherever the row may spill (`rowSpills`), else the
    /// pixels left in the row.
    @inline(__always)
    private func forEachRowBlock(room: (input: Int, output: Int), _ body: (_ p: Int, _ q0: Int, _ count: Int) -> Void) {
        let out = outputShape
        for p in 0 ..< out.height {
            let whole = rowSpills(p, room: room)
            var q0 = 0
            while q0 < out.width {
                body(p, q0, whole ? 16 : min(16, out.width &- q0))
                q0 &+= 16
            }
        }
    }

    /// `y[P, Q]` of one plane `x[H, W]`.
    private func forwardTwoByTwo(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, room: (input: Int, output: Int)) {
        let width = outputShape.width
        forEachRowBlock(room: room) { p, q0, count in
            let (a, b, c, d) = windows(x, p: p, q0: q0, count: count)
            VectorLanes.store(VectorLanes.maximum(VectorLanes.maximum(a, b), VectorLanes.maximum(c, d)), y + (p &* width &+ q0), count: count)
        }
    }

    /// `dx[H, W]` of one plane: each `dy` to the first window position (row-major) equal to the
    /// window's maximum `y` (the top-left one if none is, as with a NaN), zero elsewhere.
    private func backwardTwoByTwo(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                  dx: UnsafeMutablePointer<Float>, room: (input: Int, output: Int)) {
        let width = outputShape.width
        forEachRowBlock(room: room) { p, q0, count in
            let o = p &* width &+ q0
            let best = VectorLanes.load(y + o, count: count), gradient = VectorLanes.load(dy + o, count: count)
            let (a, b, c, d) = windows(x, p: p, q0: q0, count: count)
            let isA = a .== best
            let isB = b .== best .& .!isA
            let isC = c .== best .& .!(isA .| isB)
            let isD = d .== best .& .!(isA .| isB .| isC)
            let toA = isA .| .!(isA .| isB .| isC .| isD)
            let zero = SIMD16<Float>()
            let dA = zero.replacing(with: gradient, where: toA), dB = zero.replacing(with: gradient, where: isB)
            let dC = zero.replacing(with: gradient, where: isC), dD = zero.replacing(with: gradient, where: isD)
            let top = dx + (2 &* p &* input.width &+ 2 &* q0), bottom = top + input.width
            let columns = 2 &* count
            VectorLanes.store(VectorLanes.zipLow(dA, dB), top, count: min(16, columns))
            VectorLanes.store(VectorLanes.zipHigh(dA, dB), top + 16, count: max(0, columns &- 16))
            VectorLanes.store(VectorLanes.zipLow(dC, dD), bottom, count: min(16, columns))
            VectorLanes.store(VectorLanes.zipHigh(dC, dD), bottom + 16, count: max(0, columns &- 16))
        }
    }
}
