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
    /// This layer's non-trainable state, in the order of `stateShapes`; read-only during a pass
    /// (every worker reads it at once), like the parameters.
    public let state: UnsafePointer<Float>
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
                state: UnsafePointer<Float>, cache: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                gemm: GEMMWorkspace, training: Bool, random: RandomStream, firstPosition: Int) {
        self.input = input
        self.output = output
        self.batch = batch
        self.parameters = parameters
        self.state = state
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
    /// This layer's non-trainable state, as in `LayerForward.state`.
    public let state: UnsafePointer<Float>
    /// Gradient with respect to the parameters, same layout; **overwritten** (not accumulated):
    /// each shard of a batch has its own gradient buffer, summed in shard order by the trainer.
    public let dParameters: UnsafeMutablePointer<Float>
    public let cache: UnsafePointer<Float>
    public let scratch: UnsafeMutablePointer<Float>
    public let gemm: GEMMWorkspace

    public init(input: UnsafePointer<Float>, output: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                dInput: UnsafeMutablePointer<Float>?, batch: Int, parameters: UnsafePointer<Float>, state: UnsafePointer<Float>,
                dParameters: UnsafeMutablePointer<Float>, cache: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                gemm: GEMMWorkspace) {
        self.input = input
        self.output = output
        self.dOutput = dOutput
        self.dInput = dInput
        self.batch = batch
        self.parameters = parameters
        self.state = state
        self.dParameters = dParameters
        self.cache = cache
        self.scratch = scratch
        self.gemm = gemm
    }
}
