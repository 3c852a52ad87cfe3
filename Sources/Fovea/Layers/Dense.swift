/// Fully connected layer, `y = x · weightᵀ + bias`.
///
/// Shapes: x `[N, in]`, weight `[out, in]`, bias `[out]`, y `[N, out]`.
/// - dWeight `[out, in] = dyᵀ[out, N] · x[N, in]`
/// - dBias `[out] = Σ_n dy[n, :]`
/// - dx `[N, in] = dy[N, out] · weight[out, in]`
public struct Dense: RegisteredLayer {
    public let inputFeatures: Int
    public let outputFeatures: Int

    public init(inputFeatures: Int, outputFeatures: Int) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
    }

    public static let token = "dense"
    public static let identifier = "dense"
    public static let meaning = "fully connected, N outputs"
    public static let arguments: [LayerArgument] = [
        .positional("units", placeholder: "N", .size(atLeast: 1), describedAs: "the number of units"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Dense {
        try input.requireFlat(for: "a dense layer")
        return Dense(inputFeatures: input.shape.count, outputFeatures: arguments.integer("units"))
    }

    public var argumentValues: LayerArguments { ["units": .integer(outputFeatures)] }
    public func outputIsImage(inputIsImage: Bool) -> Bool { false }
    public var inputShape: FeatureShape { .flat(inputFeatures) }
    public var outputShape: FeatureShape { .flat(outputFeatures) }
    public var parameterShapes: [ParameterShape] {
        [ParameterShape(name: "weight", shape: [outputFeatures, inputFeatures], decays: true,
                        initialization: .scaledNormal(fanIn: inputFeatures)),
         ParameterShape(name: "bias", shape: [outputFeatures], decays: false, initialization: .zeros)]
    }
    public var multiplyAccumulates: Int { inputFeatures * outputFeatures }

    public func packedACount(batch: Int) -> Int {
        GEMM.packedACount(m: batch, k: inputFeatures)  // x (forward)
    }

    /// Columns of the transposed forward operands: the batch rounded up to the GEMM's panel.
    private func transposedColumns(batch: Int) -> Int { (batch + GEMM.nr - 1) / GEMM.nr * GEMM.nr }

    /// Whether the forward pass runs transposed, `yᵀ = weight · xᵀ`, reading the weight in
    /// place (no per-call packing of its `out × in` values) at the price of transposing x and y:
    /// worth it once the batch fills most of a 32-column panel.
    private func forwardTransposed(batch: Int) -> Bool { batch > GEMM.nr / 2 }

    /// xᵀ `[in, ⌈N⌉₃₂]` and yᵀ `[out, ⌈N⌉₃₂]` for the transposed forward pass.
    public func scratchCount(batch: Int) -> Int {
        let columns = transposedColumns(batch: batch)
        return alignedFloatCount(inputFeatures * columns) + outputFeatures * columns
    }

    public func forward(_ pass: LayerForward) {
        let weight = pass.parameters
        let bias = pass.parameters + inputFeatures * outputFeatures
        guard forwardTransposed(batch: pass.batch) else {
            for n in 0 ..< pass.batch {
                (pass.output + n * outputFeatures).update(from: bias, count: outputFeatures)
            }
            GEMM.multiply(a: StridedMatrix.rowMajor(pass.input, columns: inputFeatures),
                          b: StridedMatrix.transposed(weight, columns: inputFeatures),
                          c: pass.output, ldc: outputFeatures, m: pass.batch, n: outputFeatures, k: inputFeatures,
                          accumulate: true, workspace: pass.gemm)
            return
        }
        // yᵀ[out, N] = weight[out, in] · xᵀ[in, N], then y = (yᵀ)ᵀ + bias.
        let columns = transposedColumns(batch: pass.batch)
        let xT = pass.scratch, yT = pass.scratch + alignedFloatCount(inputFeatures * columns)
        if (pass.batch + 15) / 16 * 16 < columns { xT.update(repeating: 0, count: inputFeatures * columns) }
        Transpose.channelsToPixels(pass.input, channelStride: inputFeatures, channels: pass.batch, into: xT,
                                   grid: PixelGrid(height: 1, width: inputFeatures, origin: 0, rowStride: 0, pixelStride: columns),
                                   fillLanes: true)
        // xT has `columns` (whole panels) per row, the ones past the batch zero: read in place.
        GEMM.multiply(inPlaceA: RowMajorOperand(base: weight, rowStride: inputFeatures), b: PaddedRowMajorPanels(base: xT, rowStride: columns),
                      c: yT, ldc: columns, m: outputFeatures, n: pass.batch, k: inputFeatures, accumulate: false, workspace: pass.gemm)
        Transpose.pixelsToChannels(yT, grid: PixelGrid(height: 1, width: outputFeatures, origin: 0, rowStride: 0, pixelStride: columns),
                                   channels: pass.batch, into: pass.output, channelStride: outputFeatures)
        for n in 0 ..< pass.batch {
            Elementwise.add(bias, into: pass.output + n * outputFeatures, count: outputFeatures)
        }
    }

    /// The backward pass reads the input, the output gradient and the cache, never the output
    /// (so an activation after it can run in place).
    public var backwardReadsOutput: Bool { false }

    public func backward(_ pass: LayerBackward) {
        let dWeight = pass.dParameters
        let dBias = pass.dParameters + inputFeatures * outputFeatures
        // Both products read their operands in place: dyᵀ as a column-major A, x and the
        // weight as row-major B.
        GEMM.multiply(inPlaceA: ColumnMajorOperand(base: pass.dOutput, columnStride: outputFeatures),
                      b: StridedMatrix.rowMajor(pass.input, columns: inputFeatures), c: dWeight, ldc: inputFeatures,
                      m: outputFeatures, n: inputFeatures, k: pass.batch, accumulate: false, workspace: pass.gemm)
        for o in 0 ..< outputFeatures {
            var sum: Float = 0
            for n in 0 ..< pass.batch { sum += pass.dOutput[n * outputFeatures + o] }
            dBias[o] = sum
        }
        guard let dInput = pass.dInput else { return }
        GEMM.multiply(inPlaceA: RowMajorOperand(base: pass.dOutput, rowStride: outputFeatures),
                      b: StridedMatrix.rowMajor(pass.parameters, columns: inputFeatures), c: dInput, ldc: inputFeatures,
                      m: pass.batch, n: inputFeatures, k: outputFeatures, accumulate: false, workspace: pass.gemm)
    }
}
