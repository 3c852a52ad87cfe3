/// Fully connected layer, `y = x · weightᵀ + bias`.
///
/// Shapes: x `[N, in]`, weight `[out, in]`, bias `[out]`, y `[N, out]`.
/// - dWeight `[out, in] = dyᵀ[out, N] · x[N, in]`
/// - dBias `[out] = Σ_n dy[n, :]`
/// - dx `[N, in] = dy[N, out] · weight[out, in]`
public struct Dense: Layer {
    public let inputFeatures: Int
    public let outputFeatures: Int

    public init(inputFeatures: Int, outputFeatures: Int) {
        self.inputFeatures = inputFeatures
        self.outputFeatures = outputFeatures
    }

    public var specification: LayerSpecification { .dense(units: outputFeatures) }
    public var inputShape: FeatureShape { .flat(inputFeatures) }
    public var outputShape: FeatureShape { .flat(outputFeatures) }
    public var parameterShapes: [ParameterShape] {
        [ParameterShape(name: "weight", shape: [outputFeatures, inputFeatures], decays: true),
         ParameterShape(name: "bias", shape: [outputFeatures], decays: false)]
    }
    public var multiplyAccumulates: Int { inputFeatures * outputFeatures }

    public func packedACount(batch: Int) -> Int {
        max(GEMM.packedACount(m: batch, k: inputFeatures),   // x (forward)
            GEMM.packedACount(m: outputFeatures, k: batch),  // dyᵀ (dWeight)
            GEMM.packedACount(m: batch, k: outputFeatures))  // dy (dx)
    }

    public func initializeParameters(_ parameters: UnsafeMutableBufferPointer<Float>, stream: RandomStream) {
        let weights = inputFeatures * outputFeatures
        heInitialize(UnsafeMutableBufferPointer(rebasing: parameters[0 ..< weights]), fanIn: inputFeatures, stream: stream)
        parameters[weights...].update(repeating: 0)
    }

    public func forward(_ pass: LayerForward) {
        let weight = pass.parameters
        let bias = pass.parameters + inputFeatures * outputFeatures
        for n in 0 ..< pass.batch {
            (pass.output + n * outputFeatures).update(from: bias, count: outputFeatures)
        }
        GEMM.multiply(a: StridedMatrix.rowMajor(pass.input, columns: inputFeatures),
                      b: StridedMatrix.transposed(weight, columns: inputFeatures),
                      c: pass.output, ldc: outputFeatures, m: pass.batch, n: outputFeatures, k: inputFeatures,
                      accumulate: true, workspace: pass.gemm)
    }

    public func backward(_ pass: LayerBackward) {
        let dWeight = pass.dParameters
        let dBias = pass.dParameters + inputFeatures * outputFeatures
        GEMM.multiply(a: StridedMatrix.transposed(pass.dOutput, columns: outputFeatures),
                      b: StridedMatrix.rowMajor(pass.input, columns: inputFeatures),
                      c: dWeight, ldc: inputFeatures, m: outputFeatures, n: inputFeatures, k: pass.batch,
                      accumulate: false, workspace: pass.gemm)
        for o in 0 ..< outputFeatures {
            var sum: Float = 0
            for n in 0 ..< pass.batch { sum += pass.dOutput[n * outputFeatures + o] }
            dBias[o] = sum
        }
        guard let dInput = pass.dInput else { return }
        GEMM.multiply(a: StridedMatrix.rowMajor(pass.dOutput, columns: outputFeatures),
                      b: StridedMatrix.rowMajor(pass.parameters, columns: inputFeatures),
                      c: dInput, ldc: inputFeatures, m: pass.batch, n: inputFeatures, k: outputFeatures,
                      accumulate: false, workspace: pass.gemm)
    }
}
