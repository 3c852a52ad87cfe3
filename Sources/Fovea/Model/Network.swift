/// A sequential network built from a `ModelSpec` for a given input shape and number of classes:
/// the layers with their shapes, the order they run in, and where each layer's parameters and
/// state sit in one flat parameter buffer and one flat state buffer. A `Network` holds no
/// values; `Model` pairs it with them.
public struct Network: Sendable {
    public let spec: ModelSpec
    /// Per-sample input shape `[C, H, W]`.
    public let inputShape: FeatureShape
    public let classes: Int
    /// The loss the network's output is trained and scored with.
    public let loss: any Loss.Type
    /// What the loss compares the output with (one of `loss.targets`).
    public let target: TrainingTarget
    /// Values per sample of the last layer's output (for a classifier, `classes` logits).
    public let outputCount: Int
    /// The layers as the spec writes them.
    public let layers: [any Layer]
    /// The layers in the order they run: `layers`, except where a layer runs after the next one
    /// because the two commute and that is faster (`Layer.commuted(past:)`: a `relu` directly
    /// followed by a `maxpool` runs after it, on the pooled tensor; bit for bit the same).
    public let executionLayers: [any Layer]
    /// For each position in `executionLayers`, the index in `layers` (and `spec.layers`) of the
    /// layer it computes. Its parameters, its state and the random stream of a layer that draws
    /// (dropout: `random.child(index)`) are that layer's: every lookup from an execution
    /// position goes through this map. Layers with parameters or random draws never move, so
    /// for them the two indices are equal.
    public let executionOrder: [Int]
    /// Offset of each layer's parameters in the flat parameter buffer, indexed like `layers`.
    public let parameterOffsets: [Int]
    /// Total number of trainable parameters (Keras-style count: `k·k·c_in·c_out + c_out` per
    /// convolution).
    public let parameterCount: Int
    /// Offset of each layer's state in the flat state buffer, indexed like `layers`.
    public let stateOffsets: [Int]
    /// Total number of non-trainable state values (Keras' "non-trainable params").
    public let stateCount: Int

    /// Builds the layers, each by its kind (`RegisteredLayer.make`) on the shape the one before
    /// produces. Throws, naming the offending layer, if a layer does not suit its input (a
    /// kernel or window that does not fit, a dense layer after an unflattened image, a tensor
    /// above `TensorSize.limit`), or the last layer's output does not suit `loss` and `target`
    /// (for softmax cross-entropy: `classes` values; for MSE against the input: the input's
    /// shape). `target` defaults to the loss's own (`Loss.defaultTarget`).
    public init(spec: ModelSpec, inputShape: FeatureShape, classes: Int, loss: any Loss.Type = SoftmaxCrossEntropy.self,
                target: TrainingTarget? = nil) throws(ModelSpecError) {
        self.spec = spec
        self.inputShape = inputShape
        self.classes = classes
        self.loss = loss
        let target = target ?? loss.defaultTarget
        self.target = target
        let layers = try Network.layers(of: spec, inputShape: inputShape)
        let output = layers.last?.outputShape ?? inputShape
        if let mismatch = loss.refusal(of: target) ?? loss.mismatch(output: output, target: target, input: inputShape, classes: classes) {
            throw ModelSpecError(spec: spec.description, token: spec.tokens.last, message: mismatch)
        }
        outputCount = output.count
        self.layers = layers
        (executionLayers, executionOrder) = Network.executionPlan(layers)
        (parameterOffsets, parameterCount) = Network.offsets(layers.map(\.parameterCount))
        (stateOffsets, stateCount) = Network.offsets(layers.map(\.stateCount))
    }

    /// The layers of `spec` on inputs of `inputShape`, each built by its kind on the shape the
    /// one before produces, whatever the last one outputs (no loss is involved: `fovea summary`
    /// shows any network). Throws, naming the offending layer, as `init` does.
    public static func layers(of spec: ModelSpec, inputShape: FeatureShape) throws(ModelSpecError) -> [any Layer] {
        // The input's shape may come from a file (a checkpoint's META): bounded like a layer's
        // output before anything multiplies it out.
        let inputDimensions = [inputShape.channels, inputShape.height, inputShape.width]
        guard TensorSize.count(inputDimensions) != nil else {
            throw ModelSpecError(spec: spec.description, token: nil,
                                 message: "an input of \(inputDimensions) would hold more than \(TensorSize.limit) values per sample (use smaller images)")
        }
        var layers: [any Layer] = []
        var input = LayerInput(shape: inputShape, isImage: true)
        let specText = spec.description
        for (layerSpec, token) in zip(spec.layers, spec.tokens) {
            do {
                let layer = try layerSpec.kind.make(layerSpec.arguments, input: input)
                try Network.checkSizes(of: layer)
                layers.append(layer)
                input = LayerInput(shape: layer.outputShape, isImage: layer.outputIsImage(inputIsImage: input.isImage))
            } catch {
                throw ModelSpecError(spec: specText, token: token, message: error.description)
            }
        }
        return layers
    }

    /// Throws unless the layer's output and each of its tensors is within `TensorSize.limit`,
    /// before anything multiplies their dimensions out.
    static func checkSizes(of layer: any Layer) throws(LayerBuildError) {
        let output = layer.outputShape
        try TensorSize.require([output.channels, output.height, output.width], tensor: "output")
        for tensor in layer.parameterShapes { try TensorSize.require(tensor.shape, tensor: tensor.name) }
        for tensor in layer.stateShapes { try TensorSize.require(tensor.shape, tensor: tensor.name) }
    }

    /// Running offsets of consecutive blocks of `counts` values, and their total. Each count is
    /// within a few times `TensorSize.limit` (`checkSizes`), so the sum cannot overflow for any
    /// spec that fits in memory.
    private static func offsets(_ counts: [Int]) -> (offsets: [Int], total: Int) {
        var offsets: [Int] = []
        var total = 0
        for count in counts {
            offsets.append(total)
            total += count
        }
        return (offsets, total)
    }

    /// Whether the layer at execution position `i` writes its training output over its input,
    /// the output of the layer before it (`Layer.runsInPlace(after:)`: an activation whose
    /// backward pass reads only its output, after a layer whose backward pass does not need the
    /// output it overwrites). This saves one activation per such pair in every training
    /// workspace (a ReLU after each convolution, batch normalization or max pooling: a quarter of
    /// a VGG-style network's activations), which decides whether a shard stays in the L3 cache.
    func writesInPlace(at i: Int) -> Bool {
        i > 0 && executionLayers[i].runsInPlace(after: executionLayers[i - 1])
    }

    /// Which of a training workspace's two gradient buffers holds the output gradient of
    /// execution position `i`: 0, the one the loss writes, for the last position and every
    /// second one before it, 1 for the others. Position `i` reads its output gradient there and
    /// writes its input gradient into the other one. The workspace sizes each buffer by the
    /// positions it serves (`NetworkWorkspace`), and the passes pick them by the same rule
    /// (`ShardBuffers.gradientBuffers(forPosition:)`).
    func gradientBuffer(ofPosition i: Int) -> Int {
        (executionLayers.count - 1 - i) % 2
    }

    /// `layers` in the order they run, and for each position the index in `layers` of the layer
    /// that runs there: wherever a layer commutes past the next one (`Layer.commuted(past:)`),
    /// the next one runs first and the replacement after it.
    private static func executionPlan(_ layers: [any Layer]) -> (layers: [any Layer], order: [Int]) {
        var run = layers
        var order = Array(layers.indices)
        var i = 0
        while i + 1 < run.count {
            if let moved = run[i].commuted(past: run[i + 1]) {
                run[i] = run[i + 1]
                run[i + 1] = moved
                order.swapAt(i, i + 1)
                i += 2
            } else {
                i += 1
            }
        }
        return (run, order)
    }

    /// Every parameter tensor: a qualified name such as `layer3.conv.weight` (the layer's
    /// 1-based index in the spec, its kind's `identifier`, the tensor's name), its shape, and
    /// its range in the flat parameter buffer.
    public var parameterTensors: [(name: String, shape: ParameterShape, range: Range<Int>)] {
        namedTensors(\.parameterShapes, offsets: parameterOffsets, count: \.count, name: \.name)
    }

    /// Every state tensor, named like the parameters (`layer3.batchnorm.running_mean`), with its
    /// range in the flat state buffer.
    public var stateTensors: [(name: String, shape: StateShape, range: Range<Int>)] {
        namedTensors(\.stateShapes, offsets: stateOffsets, count: \.count, name: \.name)
    }

    private func namedTensors<Shape>(_ shapes: (any Layer) -> [Shape], offsets: [Int], count: (Shape) -> Int,
                                     name: (Shape) -> String) -> [(name: String, shape: Shape, range: Range<Int>)] {
        var tensors: [(name: String, shape: Shape, range: Range<Int>)] = []
        for (index, layer) in layers.enumerated() {
            var offset = offsets[index]
            for shape in shapes(layer) {
                tensors.append(("layer\(index + 1).\(spec.layers[index].kind.identifier).\(name(shape))", shape,
                                offset ..< offset + count(shape)))
                offset += count(shape)
            }
        }
        return tensors
    }

    /// Multiply-accumulates of one forward pass of one sample.
    public var multiplyAccumulatesPerSample: Int { layers.reduce(0) { $0 + $1.multiplyAccumulates } }

    /// Writes initial parameters as each layer's `parameterShapes` say: layer `i` draws from
    /// `RandomStream(seed, .initialization, i)`, with the gain `initializationGain(i)` (He's
    /// where its output reaches a ReLU, LeCun's for the others, such as the logits).
    public func initializeParameters(_ parameters: UnsafeMutableBufferPointer<Float>, seed: UInt64) {
        precondition(parameters.count == parameterCount, "parameter buffer of \(parameters.count), network has \(parameterCount)")
        for (index, layer) in layers.enumerated() {
            let range = parameterOffsets[index] ..< parameterOffsets[index] + layer.parameterCount
            layer.initializeParameters(UnsafeMutableBufferPointer(rebasing: parameters[range]),
                                       stream: RandomStream(seed: seed, purpose: .initialization, UInt64(index)),
                                       gain: initializationGain(index))
        }
    }

    /// Writes every state tensor's initial value.
    public func initializeState(_ state: UnsafeMutableBufferPointer<Float>) {
        precondition(state.count == stateCount, "state buffer of \(state.count), network has \(stateCount)")
        for (index, layer) in layers.enumerated() {
            layer.initializeState(UnsafeMutableBufferPointer(rebasing: state[stateOffsets[index] ..< stateOffsets[index] + layer.stateCount]))
        }
    }

    /// The initialisation gain of layer `index`: walking the layers after it past the
    /// transparent ones (max pooling, dropout, flatten: they leave the distribution of the
    /// values alone), the first activation gives its gain (ReLU: 2, He); any other layer, or
    /// the end of the network, gives 1 (LeCun).
    func initializationGain(_ index: Int) -> Double {
        for layer in layers[(index + 1)...] {
            switch layer.initializationRole {
            case let .activation(gain): return gain
            case .transparent: continue
            case .opaque: return 1
            }
        }
        return 1
    }
}
