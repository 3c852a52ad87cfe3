/// One layer of a sequential network: a forward/backward pair over a shard of samples in NCHW
/// layout. Layers hold only their sizes; parameters, state, caches and gradients live in buffers
/// the caller owns, so one layer value serves every worker thread at once.
///
/// A kind that a model spec can name also conforms to `RegisteredLayer`, which adds how it is
/// written and built. The defaults below keep simple kinds (`ReLU`, `Flatten`) short.
public protocol Layer: Sendable {
    /// The layer as it is written in a model spec (canonical form).
    var specification: LayerSpecification { get }
    /// Per-sample input shape `[C, H, W]`.
    var inputShape: FeatureShape { get }
    /// Per-sample output shape `[C, H, W]`.
    var outputShape: FeatureShape { get }
    /// Whether the output is still an image `[C, H, W]` given whether the input is one; false
    /// once values are flat features (after `flatten` or `dense`). Default: as the input.
    func outputIsImage(inputIsImage: Bool) -> Bool
    /// The trainable tensors, in storage order, with their initialisation (default: none).
    var parameterShapes: [ParameterShape] { get }
    /// The non-trainable tensors, in storage order (default: none).
    var stateShapes: [StateShape] { get }
    /// How the layer takes part in choosing the initialisation gain of the layers before it
    /// (default: `.opaque`).
    var initializationRole: InitializationRole { get }
    /// The layer that computes what this one does when it runs after `next` instead of before
    /// it, if the two commute (same values and gradients, bit for bit) and the swap is faster;
    /// `nil` (the default) keeps the spec's order. `Network.executionLayers` applies it.
    func commuted(past next: any Layer) -> (any Layer)?
    /// Whether each output is the largest of some of the inputs, its gradient routed to the
    /// first largest one (max pooling): such a layer commutes with ReLU (default: false).
    var selectsMaximum: Bool { get }
    /// Whether the forward pass may write its output over its input, the output of `previous`,
    /// in a training workspace: each output depends on its own input value only, the backward
    /// pass reads the output, never the input, and `previous`'s backward pass still computes
    /// the same numbers from the overwritten memory (usually: it does not read its output at
    /// all, `backwardReadsOutput`). Default: false.
    func runsInPlace(after previous: any Layer) -> Bool
    /// Whether the backward pass reads the layer's own output, which a layer after it that runs
    /// in place would have overwritten (default: true; false for the kinds checked not to).
    var backwardReadsOutput: Bool { get }
    /// Floats of forward-to-backward cache for a shard of `batch` samples.
    func cacheCount(batch: Int) -> Int
    /// Floats of scratch for a shard of `batch` samples.
    func scratchCount(batch: Int) -> Int
    /// Floats of packed GEMM A operand the layer needs for a shard of `batch` samples.
    func packedACount(batch: Int) -> Int
    func forward(_ pass: LayerForward)
    func backward(_ pass: LayerBackward)
    /// Multiply-accumulates of the forward pass for one sample (for FLOP figures).
    var multiplyAccumulates: Int { get }
    /// How the output size follows from the input's, numbers filled in, for `fovea apply`
    /// (default: `nil`, for layers whose output has the input's size or a size they are given).
    var outputSizeFormula: String? { get }
}

/// How a layer takes part in He/LeCun initialisation. The weights of a layer start with variance
/// `gain / fan-in`, where `gain` is found by walking the layers after it: an activation gives its
/// gain, a transparent layer is walked past, anything else (and the end of the network) gives 1.
public enum InitializationRole: Hashable, Sendable {
    /// An activation whose input the layers before it should be scaled for (ReLU: gain 2, He).
    case activation(gain: Double)
    /// Selects, drops or reshapes values without changing their distribution (max pooling,
    /// dropout, flatten): the walk continues past it.
    case transparent
    /// Anything else: the walk stops with gain 1 (LeCun).
    case opaque
}

extension Layer {
    public func outputIsImage(inputIsImage: Bool) -> Bool { inputIsImage }
    public var parameterShapes: [ParameterShape] { [] }
    public var stateShapes: [StateShape] { [] }
    public var initializationRole: InitializationRole { .opaque }
    public func commuted(past next: any Layer) -> (any Layer)? { nil }
    public var selectsMaximum: Bool { false }
    public func runsInPlace(after previous: any Layer) -> Bool { false }
    public var backwardReadsOutput: Bool { true }
    public func cacheCount(batch: Int) -> Int { 0 }
    public func scratchCount(batch: Int) -> Int { 0 }
    public func packedACount(batch: Int) -> Int { 0 }
    public var multiplyAccumulates: Int { 0 }
    public var outputSizeFormula: String? { nil }

    /// Trainable values (Keras' count).
    public var parameterCount: Int { parameterShapes.reduce(0) { $0 + $1.count } }
    /// Non-trainable values (Keras' "non-trainable params").
    public var stateCount: Int { stateShapes.reduce(0) { $0 + $1.count } }

    /// Writes initial parameters, tensor after tensor as `parameterShapes` says, drawing from
    /// `stream`; `gain` is the network's choice for this layer (`InitializationRole`).
    public func initializeParameters(_ parameters: UnsafeMutableBufferPointer<Float>, stream: RandomStream, gain: Double) {
        var offset = 0
        for tensor in parameterShapes {
            tensor.initialization.fill(UnsafeMutableBufferPointer(rebasing: parameters[offset ..< offset + tensor.count]),
                                       stream: stream, firstDraw: offset, gain: gain)
            offset += tensor.count
        }
    }

    /// Writes the initial state, tensor after tensor as `stateShapes` says.
    public func initializeState(_ state: UnsafeMutableBufferPointer<Float>) {
        var offset = 0
        for tensor in stateShapes {
            UnsafeMutableBufferPointer(rebasing: state[offset ..< offset + tensor.count]).update(repeating: tensor.initialValue)
            offset += tensor.count
        }
    }
}
