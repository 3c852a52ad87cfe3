import Testing
import Fovea

/// Evaluation runs on a workspace without the training caches (its layers' caches take no
/// memory): a layer that keeps something in its cache in training (dropout's mask, a strided
/// convolution's patch matrices, a separable convolution's middle tensor) must not need it in
/// evaluation. The same network evaluated on an inference workspace and on a training one gives
/// the same outputs, bit for bit, as each sample evaluated alone does.
@Suite struct WorkspaceKindTests {
    /// Between them, every kind a spec can name (`everyKindIsCovered`), each convolution on the
    /// paths its geometry picks (Winograd for conv(8,3,pad=1) on 16 channels, direct, im2col
    /// with stride or dilation). Four logits: the classes of `Fixtures.syntheticSet`, which the
    /// determinism and resume sweeps train them on.
    static let specs = [
        "sepconv(4,3,pad=1) relu sepconv(3,3,stride=2,pad=same) flatten dense(4)",
        "conv(6,3,stride=2,pad=1) relu dropout(0.3) conv(4,3,stride=2) flatten dense(4)",
        "dwconv(3,mult=2,stride=2,pad=1) relu convT(3,3,stride=2,pad=1,outpad=1) batchnorm flatten dense(4)",
        "conv(16,3,pad=1) batchnorm elu conv(8,3,pad=1) conv(8,5,pad=2) leakyrelu(0.1) maxpool(2,stride=2,pad=1) conv(6,3,pad=2,dilation=2) tanh globalavgpool dense(7) batchnorm sigmoid dense(4)",
        "dwconv(3,pad=same) upsample(2) avgpool(3,stride=2,pad=1) minpool(2) sumpool(2,pad=1) flatten dropout(0.5) dense(4)",
    ]

    @Test func everyKindIsCovered() {
        let tokens = Set(WorkspaceKindTests.specs.flatMap { spec in
            spec.split(separator: " ").map { String($0.prefix { $0 != "(" }) }
        })
        for kind in LayerRegistry.kinds {
            #expect(tokens.contains(kind.token), "no spec of WorkspaceKindTests has \(kind.token)")
        }
    }

    @Test(arguments: specs)
    func inferenceMatchesTrainingWorkspace(_ spec: String) throws {
        let network = try Network(spec: ModelSpec(spec), inputShape: FeatureShape(channels: 2, height: 9, width: 11), classes: 4)
        let batch = 7
        var parameters = [Float](repeating: 0, count: network.parameterCount), state = [Float](repeating: 0, count: network.stateCount)
        parameters.withUnsafeMutableBufferPointer { network.initializeParameters($0, seed: 3) }
        state.withUnsafeMutableBufferPointer { network.initializeState($0) }
        let images = testValues(batch * network.inputShape.count, seed: 4)
        let labels = (0 ..< batch).map { UInt8($0 % 5) }
        /// The logits of samples `first ..< first + count`, evaluated as one shard.
        func evaluate(on workspace: NetworkWorkspace, first: Int = 0, count: Int = batch) -> [Float] {
            var logits = [Float](repeating: .nan, count: count * 4)
            let sample = network.inputShape.count
            images.withUnsafeBufferPointer { x in
                labels.withUnsafeBufferPointer { y in
                    parameters.withUnsafeBufferPointer { p in
                        state.withUnsafeBufferPointer { s in
                            logits.withUnsafeMutableBufferPointer { out in
                                let x = x.baseAddress! + first * sample
                                _ = network.evaluateShard(images: x, targets: LossTargets(labels: y.baseAddress! + first, images: x, sampleSize: 0),
                                                          batch: count, parameters: p.baseAddress!, state: s.baseAddress!, workspace: workspace,
                                                          output: out.baseAddress!)
                            }
                        }
                    }
                }
            }
            return logits
        }
        let inference = evaluate(on: NetworkWorkspace(network: network, capacity: batch, training: false))
        let training = evaluate(on: NetworkWorkspace(network: network, capacity: batch, training: true))
        let finite = inference.allSatisfy { $0.isFinite }
        let same = inference.map { $0.bitPattern } == training.map { $0.bitPattern }
        #expect(finite && same, "\(spec): \(inference) against \(training)")
        // Each sample alone gives what it gives in the shard: nothing depends on its neighbours.
        let single = NetworkWorkspace(network: network, capacity: 1, training: false)
        let alone = (0 ..< batch).flatMap { evaluate(on: single, first: $0, count: 1) }
        #expect(alone.map { $0.bitPattern } == inference.map { $0.bitPattern }, "\(spec): one sample at a time")
    }
}
