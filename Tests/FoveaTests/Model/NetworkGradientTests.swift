import Testing
import Fovea

/// The whole network's parameter gradient (forward, loss, backward, buffer plumbing) against
/// central differences of the batch loss. The networks have no ReLU or pooling, so the loss is
/// smooth; dropout is linear for a fixed mask, and the mask is a pure function of the stream.
@Suite struct NetworkGradientTests {
    /// The specs after the first have an activation that writes over its input
    /// (`Layer.runsInPlace(after:)`) after every kind whose backward pass is said not to read its own
    /// output (convolution on each path, transposed convolution, dense, batch normalization):
    /// were that wrong, its gradient would be computed from the activation's output and miss.
    /// A tanh after a sigmoid must not run in place (the sigmoid's backward reads its output),
    /// nor after a flatten of a sigmoid's output (the flatten shares that memory).
    /// Smooth activations, so that central differences hold.
    static let specs = [
        "conv(3,3,pad=1) conv(4,3,stride=2) flatten dropout(0.3) dense(5) dense(3)",
        "conv(3,3,pad=1) sigmoid conv(4,3,stride=2) tanh flatten dropout(0.3) dense(5) elu dense(3)",
        "convT(3,3,stride=2,pad=1,outpad=1) tanh conv(2,5,pad=2) elu conv(2,3) sigmoid tanh flatten dense(3)",
        "conv(3,3,pad=1) batchnorm tanh flatten dense(4) batchnorm sigmoid dense(3)",
        "conv(3,3,pad=1) sigmoid flatten tanh dense(3)",
    ]

    /// The batch loss and parameter gradient of `network` on a fixed batch of 3 samples of
    /// `[2, 7, 6]`, through a training workspace (where activations may run in place).
    static func lossAndGradient(_ network: Network, _ p: [Float]) -> (loss: Double, gradient: [Float]) {
        let batch = 3
        let images = testValues(batch * network.inputShape.count, seed: 31)
        let labels: [UInt8] = [2, 0, 1]
        let workspace = NetworkWorkspace(network: network, capacity: batch, training: true)
        let random = RandomStream(seed: 9, purpose: .dropout, 4)
        var gradient = [Float](repeating: .nan, count: p.count)
        let totals = images.withUnsafeBufferPointer { x in
            labels.withUnsafeBufferPointer { l in
                p.withUnsafeBufferPointer { p in
                    gradient.withUnsafeMutableBufferPointer { g in
                        withNoState { state in
                            network.trainShard(images: x.baseAddress!,
                                               targets: LossTargets(labels: l.baseAddress!, images: x.baseAddress!, sampleSize: network.inputShape.count),
                                               batch: batch, gradientScale: 1 / Float(batch), parameters: p.baseAddress!, state: state,
                                               gradients: g.baseAddress!, random: random, firstPosition: 0, workspace: workspace)
                        }
                    }
                }
            }
        }
        return (totals.loss / Double(batch), gradient)
    }

    static let inputShape = FeatureShape(channels: 2, height: 7, width: 6)

    @Test(arguments: specs)
    func parameterGradientMatchesDifferences(_ text: String) throws {
        let network = try Network(spec: ModelSpec(text), inputShape: Self.inputShape, classes: 3)
        let parameters = testValues(network.parameterCount, seed: 32).map { $0 * 0.5 }
        let analytic = Self.lossAndGradient(network, parameters).gradient
        let numeric = numericalGradient(parameters, h: 1e-2) { Self.lossAndGradient(network, $0).loss }
        expectClose(analytic, numeric, atol: 1e-3, rtol: 5e-3, "network parameter gradient of \(text)")
    }

    /// Running in place changes no bit: each activation after a convolution and after a dense
    /// layer (where it runs in place) gives the same loss and gradient as behind a `dropout(0)`,
    /// an identity whose backward pass counts as reading its output, so that the activation
    /// keeps its own buffer there. Covers the kinks too (ReLU, leaky ReLU), which central
    /// differences cannot.
    @Test(arguments: ["relu", "leakyrelu(0.3)", "elu(0.7)", "sigmoid", "tanh"])
    func inPlaceActivationChangesNoBit(_ activation: String) throws {
        func network(_ before: String) throws -> Network {
            try Network(spec: ModelSpec("conv(3,3,pad=1) \(before)\(activation) conv(2,3) flatten dense(4) \(before)\(activation) dense(3)"),
                        inputShape: Self.inputShape, classes: 3)
        }
        let inPlace = try network(""), separate = try network("dropout(0) ")
        let parameters = testValues(inPlace.parameterCount, seed: 32).map { $0 * 0.5 }
        let a = Self.lossAndGradient(inPlace, parameters), b = Self.lossAndGradient(separate, parameters)
        #expect(a.loss.bitPattern == b.loss.bitPattern)
        #expect(a.gradient.map(\.bitPattern) == b.gradient.map(\.bitPattern))
        #expect(a.gradient.contains { $0 != 0 })
        let capacity = 3
        #expect(NetworkWorkspace(network: inPlace, capacity: capacity, training: true).byteCount
            < NetworkWorkspace(network: separate, capacity: capacity, training: true).byteCount)
    }

    /// An activation that runs in place shares its input's buffer in a training workspace (it
    /// adds no byte: every layer but the last holds 6 × 10 × 10 values a sample, so the gradient
    /// buffers keep their sizes too); one that does not gets its own.
    @Test func inPlaceActivationSharesItsInputBuffer() throws {
        let shape = FeatureShape(channels: 1, height: 12, width: 12), capacity = 8
        func bytes(_ text: String) throws -> Int {
            NetworkWorkspace(network: try Network(spec: ModelSpec(text), inputShape: shape, classes: 3), capacity: capacity, training: true).byteCount
        }
        for activation in ["relu", "leakyrelu(0.2)", "elu", "sigmoid", "tanh"] {
            #expect(try bytes("conv(6,3) \(activation) flatten dense(3)") == bytes("conv(6,3) flatten dense(3)"), "\(activation)")
        }
        // After max pooling, whose backward reads its output, a sigmoid or leaky ReLU keeps its
        // own buffer; a ReLU does not need to (ExecutionOrderTests).
        let pooled = 4 * capacity * 6 * 5 * 5
        #expect(try bytes("conv(6,3) maxpool(2) sigmoid flatten dense(3)") - bytes("conv(6,3) maxpool(2) flatten dense(3)") >= pooled)
        #expect(try bytes("conv(6,3) maxpool(2) sigmoid flatten dense(3)") == bytes("conv(6,3) maxpool(2) leakyrelu flatten dense(3)"))
        #expect(try bytes("conv(6,3) maxpool(2) relu flatten dense(3)") == bytes("conv(6,3) maxpool(2) flatten dense(3)"))
        // A flatten keeps no copy: a second one adds nothing (the gradient buffers' sizes do
        // not change either, every layer but the last holding 6 × 5 × 5 values a sample).
        #expect(try bytes("conv(6,3) maxpool(2) flatten flatten dense(3)") == bytes("conv(6,3) maxpool(2) flatten dense(3)"))
    }

    /// Splitting a batch into shards and summing their gradients equals the whole batch's gradient.
    @Test func shardsSumToBatch() throws {
        let network = try Network(spec: ModelSpec("conv(4,3) relu maxpool(2) flatten dense(6) relu dense(3)"),
                                  inputShape: FeatureShape(channels: 1, height: 8, width: 8), classes: 3)
        let batch = 6
        let images = testValues(batch * 64, seed: 41)
        let labels: [UInt8] = [0, 1, 2, 2, 1, 0]
        let parameters = testValues(network.parameterCount, seed: 42)
        let workspace = NetworkWorkspace(network: network, capacity: batch, training: true)
        func gradient(of range: Range<Int>) -> [Float] {
            var g = [Float](repeating: 0, count: network.parameterCount)
            images.withUnsafeBufferPointer { x in
                labels.withUnsafeBufferPointer { l in
                    parameters.withUnsafeBufferPointer { p in
                        g.withUnsafeMutableBufferPointer { g in
                            withNoState { state in
                                _ = network.trainShard(images: x.baseAddress! + range.lowerBound * 64,
                                                       targets: LossTargets(labels: l.baseAddress!, images: x.baseAddress!, sampleSize: 64).dropping(range.lowerBound),
                                                       batch: range.count, gradientScale: 1 / Float(batch), parameters: p.baseAddress!, state: state,
                                                       gradients: g.baseAddress!, random: RandomStream(seed: 1, purpose: .dropout, 0),
                                                       firstPosition: range.lowerBound, workspace: workspace)
                            }
                        }
                    }
                }
            }
            return g
        }
        let whole = gradient(of: 0 ..< 6)
        let a = gradient(of: 0 ..< 2), b = gradient(of: 2 ..< 6)
        expectClose(zip(a, b).map { $0 + $1 }, whole, atol: 1e-5, rtol: 1e-4, "shard sum")
    }
}
