import Testing
import Fovea

/// The dense layer's GEMM paths (forward plain for small batches, transposed for larger ones;
/// backward read in place) against naive loops, on sizes that leave partial strips and panels.
@Suite struct DenseOracleTests {
    @Test(arguments: [(1, 9, 13), (3, 300, 40), (17, 9, 13), (20, 400, 120), (40, 33, 10), (64, 70, 129)])
    func matchesNaiveLoops(batch: Int, inputs: Int, outputs: Int) {
        let layer = Dense(inputFeatures: inputs, outputFeatures: outputs)
        let x = testValues(batch * inputs, seed: 41), p = testValues(layer.parameterCount, seed: 42)
        let dy = testValues(batch * outputs, seed: 43)
        let harness = LayerHarness(layer: layer, batch: batch)
        let y = harness.forward(x, p)
        let (dx, dp) = harness.backward(x, p, dy: dy)

        let w = Array(p[0 ..< inputs * outputs]), b = Array(p[(inputs * outputs)...])
        var yRef = [Float](repeating: 0, count: batch * outputs), dxRef = [Float](repeating: 0, count: batch * inputs)
        var dwRef = [Float](repeating: 0, count: inputs * outputs), dbRef = [Float](repeating: 0, count: outputs)
        for n in 0 ..< batch {
            for o in 0 ..< outputs {
                var sum = Double(b[o])
                for i in 0 ..< inputs { sum += Double(x[n * inputs + i]) * Double(w[o * inputs + i]) }
                yRef[n * outputs + o] = Float(sum)
                let g = dy[n * outputs + o]
                dbRef[o] += g
                for i in 0 ..< inputs {
                    dwRef[o * inputs + i] += g * x[n * inputs + i]
                    dxRef[n * inputs + i] += g * w[o * inputs + i]
                }
            }
        }
        let name = "dense \(batch)x\(inputs)→\(outputs)"
        expectClose(y, yRef, atol: 1e-4, rtol: 1e-4, "\(name) y")
        expectClose(dx, dxRef, atol: 1e-4, rtol: 1e-4, "\(name) dx")
        expectClose(dp, dwRef + dbRef, atol: 1e-4, rtol: 1e-4, "\(name) dParameters")
    }
}
