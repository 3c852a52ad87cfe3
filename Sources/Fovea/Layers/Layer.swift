/// The name and shape of one parameter tensor of a layer, e.g. `weight [32, 1, 3, 3]`.
public struct ParameterShape: Hashable, Sendable {
    /// `weight` or `bias`.
    public let name: String
    public let shape: [Int]
    /// Whether weight decay applies (kernels and matrices: yes; biases: no).
    public let decays: Bool

    public var count: Int { shape.reduce(1, *) }
}

/// What a layer's forward pass reads and writes, for one shard of `batch` samples. The pointers
/// are valid only during the call.
public struct LayerForward {
    /// `[batch, inputShape]`
    public let input: UnsafePointer<Float>
    /// `[batch, outputShape]`, overwritten.
    public let output: UnsafeMutablePointer<Float>
    public let batch: Int
    /// This layer's parameters, in the order of `parameterShapes`.
    public let parameters: UnsafePointer<Float>
    /// `cacheCount(batch:)` floats kept for the backward pass (e.g. a dropout mask).
    public let cache: UnsafeMutablePointer<Float>
    /// `scratchCount(batch:)` floats, not preserved.
    public let scratch: UnsafeMutablePointer<Float>
    public let gemm: GEMMWorkspace
    /// Training (dropout active) or evaluation.
    public let training: Bool
    /// The stream of this layer in this training step; sample `i` of the shard uses
    /// `random.child(firstPosition + i)`, so draws depend on the sample's position in the
    /// batch, never on the shard or thread that computes it.
    public let random: RandomStream
    public let firstPosition: Int

    public init(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, parameters: UnsafePointer<Float>,
                cache: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace, training: Bool,
                random: RandomStream, firstPosition: Int) {
        self.input = input
        self.output = output
        self.batch = batch
        self.parameters = parameters
        self.cache = cache
        self.scratch = scratch
        self.gemm = gemm
        self.training = training
        self.random = random
        self.firstPosition = firstPosition
    }
}

/// What a layer's backward pass reads and writes, for one shard of `batch` samples.
public struct LayerBackward {
    /// The forward pass's input and output, `[batch, inputShape]` and `[batch, outputShape]`.
    public let input: UnsafePointer<Float>
    public let output: UnsafePointer<Float>
    /// Gradient of the loss with respect to the output, `[batch, outputShape]`.
    public let dOutput: UnsafePointer<Float>
    /// Gradient with respect to the input, `[batch, inputShape]`, overwritten; `nil` for the
    /// first layer, whose input gradient nobody needs.
    public let dInput: UnsafeMutablePointer<Float>?
    public let batch: Int
    public let parameters: UnsafePointer<Float>
    /// Gradient with respect to the parameters, same layout; **overwritten** (not accumulated):
    /// each shard of a batch has its own gradient buffer, summed in shard order by the trainer.
    public let dParameters: UnsafeMutablePointer<Float>
    public let cache: UnsafePointer<Float>
    public let scratch: UnsafeMutablePointer<Float>
    public let gemm: GEMMWorkspace

    public init(input: UnsafePointer<Float>, output: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                dInput: UnsafeMutablePointer<Float>?, batch: Int, parameters: UnsafePointer<Float>,
                dParameters: UnsafeMutablePointer<Float>, cache: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                gemm: GEMMWorkspace) {
        self.input = input
        self.output = output
        self.dOutput = dOutput
        self.dInput = dInput
        self.batch = batch
        self.parameters = parameters
        self.dParameters = dParameters
        self.cache = cache
        self.scratch = scratch
        self.gemm = gemm
    }
}

/// One layer of a sequential network: a forward/backward pair over a shard of samples in NCHW
/// layout. Layers hold only their sizes; parameters, caches and gradients live in buffers the
/// caller owns, so one layer value serves every worker thread at once.
public protocol Layer: Sendable {
    /// The layer as it is written in a model spec (canonical form).
    var specification: LayerSpecification { get }
    /// Per-sample input shape `[C, H, W]`.
    var inputShape: FeatureShape { get }
    /// Per-sample output shape `[C, H, W]`.
    var outputShape: FeatureShape { get }
    /// The parameter tensors, in storage order (empty for layers without parameters).
    var parameterShapes: [ParameterShape] { get }
    /// Floats of forward-to-backward cache for a shard of `batch` samples.
    func cacheCount(batch: Int) -> Int
    /// Floats of scratch for a shard of `batch` samples.
    func scratchCount(batch: Int) -> Int
    /// Floats of packed GEMM A operand the layer needs for a shard of `batch` samples.
    func packedACount(batch: Int) -> Int
    /// Writes initial parameter values: normal weights of variance `gain / fan-in` (He
    /// initialisation, `gain` 2, for a layer whose output goes through a ReLU; LeCun's, `gain` 1,
    /// for one whose output does not, such as the logits), zero biases.
    func initializeParameters(_ parameters: UnsafeMutableBufferPointer<Float>, stream: RandomStream, gain: Double)
    func forward(_ pass: LayerForward)
    func backward(_ pass: LayerBackward)
    /// Multiply-accumulates of the forward pass for one sample (for FLOP figures).
    var multiplyAccumulates: Int { get }
}

extension Layer {
    public var parameterShapes: [ParameterShape] { [] }
    public var parameterCount: Int { parameterShapes.reduce(0) { $0 + $1.count } }
    public func cacheCount(batch: Int) -> Int { 0 }
    public func scratchCount(batch: Int) -> Int { 0 }
    public func packedACount(batch: Int) -> Int { 0 }
    public func initializeParameters(_ parameters: UnsafeMutableBufferPointer<Float>, stream: RandomStream, gain: Double) {}
    public var multiplyAccumulates: Int { 0 }
}

/// Fills `values` with normal weights of standard deviation `√(gain / fanIn)`: He et al. 2015
/// with `gain` 2 (layers followed by ReLU), LeCun with `gain` 1.
func initializeWeights(_ values: UnsafeMutableBufferPointer<Float>, fanIn: Int, gain: Double, stream: RandomStream) {
    let std = (gain / Double(fanIn)).squareRoot()
    for i in values.indices {
        values[i] = Float(stream.normal(UInt64(i)) * std)
    }
}
