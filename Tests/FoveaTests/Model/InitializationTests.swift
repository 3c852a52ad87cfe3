import Testing
import Fovea

/// Weights start normal with variance 2 / fan-in (He) where a ReLU follows, even through max
/// pooling, dropout and flatten, and 1 / fan-in (LeCun) for the logits; biases start at zero.
@Suite struct InitializationTests {
    @Test func gainFollowsTheActivation() throws {
        let network = try Network(spec: ModelSpec("conv(16,3) relu maxpool(2) dropout(0.25) flatten dense(200) relu dense(100)"),
                                  inputShape: FeatureShape(channels: 4, height: 12, width: 12), classes: 100)
        var parameters = [Float](repeating: .nan, count: network.parameterCount)
        parameters.withUnsafeMutableBufferPointer { network.initializeParameters($0, seed: 5) }
        let tensors = network.parameterTensors
        #expect(tensors.map(\.name) == ["layer1.conv.weight", "layer1.conv.bias", "layer6.dense.weight", "layer6.dense.bias",
                                        "layer8.dense.weight", "layer8.dense.bias"])
        let fanIns = [4 * 9, 16 * 5 * 5, 200], gains = [2.0, 2.0, 1.0]
        for (index, tensor) in tensors.enumerated() {
            let values = parameters[tensor.range].map(Double.init)
            if tensor.shape.name == "bias" {
                #expect(values.allSatisfy { $0 == 0 })
                continue
            }
            let layer = index / 2
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)).squareRoot()
            let expected = (gains[layer] / Double(fanIns[layer])).squareRoot()
            #expect(abs(std / expected - 1) < 0.05, "layer \(layer): std \(std), expected \(expected)")
            #expect(abs(mean) < 0.1 * expected)
        }
    }
}
