import Foundation
import Testing
import Fovea

/// A kind with non-trainable state, for tests only (none of Fovea's kinds has state yet): it adds
/// its `offset` tensor, one value per feature, to flat features; `spare` is never read.
struct StateProbe: RegisteredLayer {
    static let token = "stateprobe"
    static let identifier = "probe"
    static let meaning = "adds its state to flat features"
    static let initialOffset: Float = 0.25, initialSpare: Float = -1

    let features: Int

    static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> StateProbe {
        try input.requireFlat(for: "a state probe")
        return StateProbe(features: input.shape.count)
    }

    var inputShape: FeatureShape { .flat(features) }
    var outputShape: FeatureShape { .flat(features) }
    var stateShapes: [StateShape] {
        [StateShape(name: "offset", shape: [features], initialValue: StateProbe.initialOffset),
         StateShape(name: "spare", shape: [3], initialValue: StateProbe.initialSpare)]
    }

    func forward(_ pass: LayerForward) {
        for n in 0 ..< pass.batch {
            for i in 0 ..< features { pass.output[n * features + i] = pass.input[n * features + i] + pass.state[i] }
        }
    }

    func backward(_ pass: LayerBackward) {
        pass.dInput?.update(from: pass.dOutput, count: pass.batch * features)
    }
}

/// Non-trainable state: the network lays it out, the model initialises it, and each layer's
/// forward pass gets its own slice, in training and in evaluation.
@Suite struct LayerStateTests {
    static let probe = LayerKind(StateProbe.self)

    /// `flatten stateprobe dense(10) stateprobe` on `[1, 12, 12]` images.
    static func network() throws -> Network {
        let layers = try ModelSpec("flatten").layers + [try LayerSpecification(probe)] + ModelSpec("dense(10)").layers
            + [try LayerSpecification(probe)]
        return try Network(spec: ModelSpec(layers: layers), inputShape: FeatureShape(channels: 1, height: 12, width: 12), classes: 10)
    }

    @Test func networkLaysOutState() throws {
        let network = try LayerStateTests.network()
        let tensors = network.stateTensors
        #expect(tensors.map(\.name) == ["layer2.probe.offset", "layer2.probe.spare", "layer4.probe.offset", "layer4.probe.spare"])
        #expect(tensors.map(\.shape.shape) == [[144], [3], [10], [3]])
        #expect(tensors.map(\.range) == [0 ..< 144, 144 ..< 147, 147 ..< 157, 157 ..< 160])
        #expect(network.stateOffsets == [0, 0, 147, 147] && network.stateCount == 160)
        // State is not trainable: the parameters are the dense layer's alone.
        #expect(network.parameterTensors.map(\.name) == ["layer3.dense.weight", "layer3.dense.bias"])
        #expect(network.parameterCount == 1450)
    }

    @Test func modelInitialisesAndTakesState() throws {
        let network = try LayerStateTests.network()
        let expected = [Float](repeating: StateProbe.initialOffset, count: 144) + [Float](repeating: StateProbe.initialSpare, count: 3)
            + [Float](repeating: StateProbe.initialOffset, count: 10) + [Float](repeating: StateProbe.initialSpare, count: 3)
        let normalization = Normalization(mean: 0, std: 1)
        #expect(Model(network: network, normalization: normalization, seed: 1).state.array == expected)
        let parameters = [Float](repeating: 0, count: network.parameterCount)
        #expect(Model(network: network, normalization: normalization, parameters: parameters).state.array == expected)
        let values = (0 ..< 160).map { Float($0) }
        #expect(Model(network: network, normalization: normalization, parameters: parameters, state: values).state.array == values)
    }

    /// With zero dense weights the logits are the last probe's `offset`: its own slice of the
    /// state, in evaluation and in training (through the loss).
    /// The targets of a shard of 12 × 12 images.
    func targets(_ x: UnsafeBufferPointer<Float>, _ l: UnsafeBufferPointer<UInt8>) -> LossTargets {
        LossTargets(labels: l.baseAddress!, images: x.baseAddress!, sampleSize: 144)
    }

    @Test func forwardGetsItsSlice() throws {
        let network = try LayerStateTests.network()
        let batch = 3, labels: [UInt8] = [2, 7, 0]
        let model = Model(network: network, normalization: Normalization(mean: 0, std: 1),
                          parameters: [Float](repeating: 0, count: network.parameterCount),
                          state: (0 ..< 160).map { Float($0) / 64 })
        let offsets = (147 ..< 157).map { Float($0) / 64 }
        let images = testValues(batch * 144, seed: 3)
        var logits = [Float](repeating: .nan, count: batch * 10)
        let inference = NetworkWorkspace(network: network, capacity: batch, training: false)
        let training = NetworkWorkspace(network: network, capacity: batch, training: true)
        let gradients = AlignedBuffer(count: network.parameterCount)
        var evaluated = LossTotals(), trained = LossTotals()
        AlignedBuffer.withBaseAddresses([model.parameters, model.state, gradients]) { pointers in
            images.withUnsafeBufferPointer { x in
                labels.withUnsafeBufferPointer { l in
                    logits.withUnsafeMutableBufferPointer { z in
                        evaluated = network.evaluateShard(images: x.baseAddress!, targets: targets(x, l), batch: batch,
                                                          parameters: pointers[0].pointer, state: pointers[1].pointer,
                                                          workspace: inference, output: z.baseAddress!)
                    }
                    trained = network.trainShard(images: x.baseAddress!, targets: targets(x, l), batch: batch, gradientScale: 1,
                                                 parameters: pointers[0].pointer, state: pointers[1].pointer,
                                                 gradients: pointers[2].pointer, random: RandomStream(seed: 1, purpose: .dropout),
                                                 firstPosition: 0, workspace: training)
                }
            }
        }
        #expect(logits == Array([[Float]](repeating: offsets, count: batch).joined()))
        let logSumExp = log(offsets.map { exp(Double($0)) }.reduce(0, +))
        let expectedLoss = labels.map { logSumExp - Double(offsets[Int($0)]) }.reduce(0, +)
        #expect(abs(evaluated.loss - expectedLoss) < 1e-5 && abs(trained.loss - expectedLoss) < 1e-5)
    }
}

/// A model with state is written as format version 3 with its state tensors in `STAT`, laid out
/// like `PARM`; an infinite state value is refused like one in the weights.
@Suite struct LayerStateCheckpointTests {
    static func checkpoint(state: [Float]) throws -> Checkpoint {
        let network = try LayerStateTests.network()
        let data = TrainingDataRecord(directory: "/synthetic", limit: nil, validation: 0, train: DataFingerprint(of: nil),
                                      validationSet: DataFingerprint(of: nil), test: DataFingerprint(of: nil))
        return Checkpoint(network: network, normalization: Normalization(mean: 0, std: 1), options: CheckpointFixtures.options, data: data,
                          parameters: [Float](repeating: 0.5, count: network.parameterCount), layerState: state, optimizerStep: 0,
                          optimizerTensors: [[Float](repeating: 0, count: network.parameterCount)],
                          state: TrainingState(epoch: 0, stepInEpoch: 0, globalStep: 0, epochTotals: LossTotals()), stepsPerEpoch: 1,
                          history: RunHistory())
    }

    @Test func stateIsWrittenInItsSection() throws {
        let state = (0 ..< 160).map { Float($0) / 8 }
        let container = try CheckpointContainer(parsing: CheckpointWriter.encode(LayerStateCheckpointTests.checkpoint(state: state)), file: "x")
        #expect(container.formatVersion == 3)
        let section = try #require(container.sections.first { $0.tag == "STAT" })
        let p = section.payload
        func u32(_ at: Int) -> Int { (0 ..< 4).reduce(0) { $0 | Int(p[at + $1]) << (8 * $1) } }
        // tensor_count 4, then "layer2.probe.offset" (19 bytes), rank 1, dims [144], its values.
        #expect(u32(0) == 4 && u32(4) == 19 && String(decoding: p[8 ..< 27], as: UTF8.self) == "layer2.probe.offset")
        #expect(u32(27) == 1 && u32(31) == 144)
        let first = (0 ..< 144).map { i in Float(bitPattern: UInt32(u32(35 + 4 * i))) }
        #expect(first == Array(state[0 ..< 144]))
    }

    @Test func nonFiniteStateIsNotSaved() throws {
        var state = [Float](repeating: 1, count: 160)
        state[150] = .infinity
        #expect(throws: CheckpointError.notSavedNonFinite(file: "f", tensor: "layer4.probe.offset", index: 3, value: .infinity)) {
            try CheckpointWriter.encode(LayerStateCheckpointTests.checkpoint(state: state), file: "f")
        }
    }
}
