/// A sequential network built from a `ModelSpec` for a given input shape and number of classes:
/// the layers with their shapes, and where each layer's parameters sit in one flat parameter
/// buffer. A `Network` holds no parameter values; `Model` pairs it with them.
public struct Network: Sendable {
    public let spec: ModelSpec
    /// Per-sample input shape `[C, H, W]`.
    public let inputShape: FeatureShape
    public let classes: Int
    /// The layers as the spec writes them.
    public let layers: [any Layer]
    /// The layers in the order they run: `layers`, except that a `relu` directly followed by a
    /// `maxpool` runs after it. Max pooling commutes with ReLU, for the values and for the
    /// gradients (both route each window's gradient to its first maximum if that maximum is
    /// positive, and nowhere otherwise), so the results are the same bit for bit while the ReLU
    /// touches the pooled tensor, a quarter of the size for 2 × 2 pooling.
    public let executionLayers: [any Layer]
    /// For each position in `executionLayers`, the index in `layers` (and `spec.layers`) of the
    /// layer it computes. Its parameters, and the random stream of a layer that draws (dropout:
    /// `random.child(index)`), are that layer's: every lookup from an execution position goes
    /// through this map. Layers with parameters or random draws never move, so for them the two
    /// indices are equal.
    public let executionOrder: [Int]
    /// Offset of each layer's parameters in the flat parameter buffer, indexed like `layers`.
    public let parameterOffsets: [Int]
    /// Total number of parameters (Keras-style count: `k·k·c_in·c_out + c_out` per convolution).
    public let parameterCount: Int

    /// Builds the layers, inferring each one's input shape from the one before.
    /// Throws, naming the offending layer, if a kernel or window does not fit, a dense layer
    /// follows an unflattened image, or the last layer does not produce `classes` values.
    public init(spec: ModelSpec, inputShape: FeatureShape, classes: Int) throws(ModelSpecError) {
        self.spec = spec
        self.inputShape = inputShape
        self.classes = classes
        var layers: [any Layer] = []
        var shape = inputShape
        var isImage = true  // false after `flatten` or `dense`
        let specText = spec.description
        for (layerSpec, token) in zip(spec.layers, spec.tokens) {
            func fail(_ message: String) -> ModelSpecError { ModelSpecError(spec: specText, token: token, message: message) }
            let layer: any Layer
            switch layerSpec {
            case let .convolution(filters, kernel, stride, padding):
                guard isImage else {
                    throw fail("a convolution needs an image [C, H, W] but gets flat features \(shape)")
                }
                guard let geometry = ConvolutionGeometry(input: shape, outputChannels: filters, kernelHeight: kernel,
                                                         kernelWidth: kernel, stride: stride, padding: padding) else {
                    throw fail("a \(kernel)×\(kernel) kernel with pad=\(padding) does not fit the input \(shape)")
                }
                layer = Conv2D(geometry: geometry)
            case .relu:
                layer = ReLU(shape: shape)
            case let .maxPool(kernel, stride):
                guard isImage else {
                    throw fail("max pooling needs an image [C, H, W] but gets flat features \(shape)")
                }
                guard let pool = MaxPool2D(input: shape, kernel: kernel, stride: stride) else {
                    throw fail("a \(kernel)×\(kernel) window does not fit the input \(shape)")
                }
                layer = pool
            case let .dropout(rate):
                layer = Dropout(shape: shape, rate: rate)
            case .flatten:
                layer = Flatten(shape: shape)
                isImage = false
            case let .dense(units):
                guard shape.isFlat else {
                    throw fail("a dense layer needs flat features but gets \(shape) (add 'flatten' before it)")
                }
                layer = Dense(inputFeatures: shape.count, outputFeatures: units)
                isImage = false
            }
            layers.append(layer)
            shape = layer.outputShape
        }
        guard shape.isFlat && shape.count == classes else {
            throw ModelSpecError(spec: specText, token: spec.tokens.last,
                                 message: "the network must end in \(classes) values (one logit per class), e.g. 'flatten dense(\(classes))', but it ends in \(shape)")
        }
        var offsets: [Int] = []
        var total = 0
        for layer in layers {
            offsets.append(total)
            total += layer.parameterCount
        }
        self.layers = layers
        (executionLayers, executionOrder) = Network.poolingBeforeReLU(layers)
        self.parameterOffsets = offsets
        self.parameterCount = total
    }

    /// `layers` with every `relu` that directly precedes a `maxpool` moved after it, and for each
    /// position the index in `layers` of the layer that runs there.
    private static func poolingBeforeReLU(_ layers: [any Layer]) -> (layers: [any Layer], order: [Int]) {
        var run = layers
        var order = Array(layers.indices)
        var i = 0
        while i + 1 < run.count {
            if run[i] is ReLU, let pool = run[i + 1] as? MaxPool2D {
                run[i] = pool
                run[i + 1] = ReLU(shape: pool.outputShape)
                order.swapAt(i, i + 1)
                i += 2
            } else {
                i += 1
            }
        }
        return (run, order)
    }

    /// Every parameter tensor: a qualified name such as `layer3.conv.weight`, its shape, and its
    /// range in the flat parameter buffer.
    public var parameterTensors: [(name: String, shape: ParameterShape, range: Range<Int>)] {
        var tensors: [(String, ParameterShape, Range<Int>)] = []
        for (index, layer) in layers.enumerated() {
            var offset = parameterOffsets[index]
            let kind = layer.specification.description.prefix { $0.isLetter }
            for shape in layer.parameterShapes {
                tensors.append(("layer\(index + 1).\(kind).\(shape.name)", shape, offset ..< offset + shape.count))
                offset += shape.count
            }
        }
        return tensors
    }

    /// Multiply-accumulates of one forward pass of one sample.
    public var multiplyAccumulatesPerSample: Int { layers.reduce(0) { $0 + $1.multiplyAccumulates } }

    /// Writes initial parameters: layer `i` draws from `RandomStream(seed, .initialization, i)`,
    /// with He's gain for a layer whose output reaches a ReLU (`feedsReLU`) and LeCun's for the
    /// others (the logits).
    public func initializeParameters(_ parameters: UnsafeMutableBufferPointer<Float>, seed: UInt64) {
        precondition(parameters.count == parameterCount, "parameter buffer of \(parameters.count), network has \(parameterCount)")
        for (index, layer) in layers.enumerated() {
            let range = parameterOffsets[index] ..< parameterOffsets[index] + layer.parameterCount
            layer.initializeParameters(UnsafeMutableBufferPointer(rebasing: parameters[range]),
                                       stream: RandomStream(seed: seed, purpose: .initialization, UInt64(index)),
                                       gain: feedsReLU(index) ? 2 : 1)
        }
    }

    /// Whether layer `index`'s output reaches a ReLU through layers that only select, drop or
    /// reshape values (max pooling, dropout, flatten), which leave the ReLU's input distribution
    /// unchanged.
    func feedsReLU(_ index: Int) -> Bool {
        for layer in layers[(index + 1)...] {
            switch layer.specification {
            case .relu: return true
            case .maxPool, .dropout, .flatten: continue
            default: return false
            }
        }
        return false
    }
}
