/// Nearest-neighbour upsampling by a whole factor S: every value becomes an `S × S` block,
/// `[C, H, W]` → `[C, H·S, W·S]`, as PyTorch's `Upsample(scale_factor=S, mode="nearest")` and
/// Keras's `UpSampling2D(size=S)`.
///
/// Forward: `y[c, i, j] = x[c, ⌊i/S⌋, ⌊j/S⌋]`. Backward: each input cell gets the sum of its
/// block's gradients, the S rows added first, then the S columns of each block. Rows are built
/// 16 inputs at a time for S = 2 (each lane doubled with a zip), value by value otherwise, and
/// then copied to the block's other S − 1 rows.
public struct Upsample2D: RegisteredLayer {
    public let input: FeatureShape
    public let factor: Int

    public init(input: FeatureShape, factor: Int) {
        self.input = input
        self.factor = factor
    }

    public static let token = "upsample"
    public static let identifier = "upsample"
    public static let meaning = "nearest-neighbour upsampling by S (default 2), [C, H, W] to [C, H·S, W·S]"
    public static let arguments: [LayerArgument] = [
        .optionalPositional("factor", placeholder: "S", .size(atLeast: 1), default: .integer(2), describedAs: "the upsampling factor"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Upsample2D {
        try input.requireImage(for: "upsampling")
        let factor = arguments.integer("factor")
        // Sizes up to 2²⁰ each: the products stay far from overflow; Network bounds the output.
        try TensorSize.require([input.shape.channels, input.shape.height * factor, input.shape.width * factor], tensor: "output")
        return Upsample2D(input: input.shape, factor: factor)
    }

    public var argumentValues: LayerArguments { ["factor": .integer(factor)] }
    public var inputShape: FeatureShape { input }
    public var outputShape: FeatureShape { FeatureShape(channels: input.channels, height: input.height * factor, width: input.width * factor) }
    /// Upsampling repeats values: the walk for the initialisation gain goes on past it.
    public var initializationRole: InitializationRole { .transparent }
    public var outputSizeFormula: String? {
        "H = \(input.height)·\(factor) = \(input.height * factor), W = \(input.width)·\(factor) = \(input.width * factor)"
    }

    public func forward(_ pass: LayerForward) {
        let width = input.width, outputWidth = width * factor
        // One input row at a time: build its first output row, then copy it S − 1 times.
        for row in 0 ..< pass.batch * input.channels * input.height {
            let x = pass.input + row * width, y = pass.output + row * factor * outputWidth
            var j = 0
            if factor == 2 {
                while j + 16 <= width {
                    let v = VectorLanes.load(x + j)
                    VectorLanes.store(VectorLanes.zipLow(v, v), y + 2 * j)
                    VectorLanes.store(VectorLanes.zipHigh(v, v), y + 2 * j + 16)
                    j += 16
                }
            }
            while j < width {
                (y + j * factor).update(repeating: x[j], count: factor)
                j += 1
            }
            for copy in 1 ..< factor { VectorLanes.copy(y, to: y + copy * outputWidth, count: outputWidth) }
        }
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        let width = input.width, outputWidth = width * factor
        // Per input row: the block's S output rows added into the scratch row (the first copied,
        // the others added in order), then each run of S columns added left to right.
        let rowSum = pass.scratch
        for row in 0 ..< pass.batch * input.channels * input.height {
            let dy = pass.dOutput + row * factor * outputWidth, dx = dInput + row * width
            VectorLanes.copy(dy, to: rowSum, count: outputWidth)
            for copy in 1 ..< factor { Elementwise.add(dy + copy * outputWidth, into: rowSum, count: outputWidth) }
            var j = 0
            if factor == 2 {
                while j + 16 <= width {
                    let (even, odd) = VectorLanes.deinterleave(VectorLanes.load(rowSum + 2 * j), VectorLanes.load(rowSum + 2 * j + 16))
                    VectorLanes.store(even + odd, dx + j)
                    j += 16
                }
            }
            while j < width {
                var sum = rowSum[j * factor]
                for s in 1 ..< factor { sum += rowSum[j * factor + s] }
                dx[j] = sum
                j += 1
            }
        }
    }

    public func scratchCount(batch: Int) -> Int { input.width * factor }
}
