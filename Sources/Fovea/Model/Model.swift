/// A network with its parameter values, its state and the input normalisation it was trained
/// with: everything needed to evaluate it.
public final class Model: @unchecked Sendable {
    public let network: Network
    /// All parameters in one flat buffer, layer after layer, in `network.parameterTensors` order.
    /// Safety: only the optimizer writes it, between steps, while no worker reads it.
    public let parameters: AlignedBuffer
    /// All non-trainable state (e.g. batch normalization's running statistics) in one flat
    /// buffer, `network.stateCount` values in `network.stateTensors` order; never handed to the
    /// optimizer. Safety: the passes only read it; the trainer updates it between steps, after
    /// an applied step, while no worker runs (`WholeBatchStep.updateState`).
    public let state: AlignedBuffer
    public var normalization: Normalization

    /// A model with freshly initialised parameters drawn from `seed`: normal weights with He's
    /// variance (2 / fan-in) where a layer's output reaches a ReLU and LeCun's (1 / fan-in)
    /// elsewhere, such as the logits (`Network.initializeParameters`); zero biases. The state
    /// starts at each tensor's initial value.
    public init(network: Network, normalization: Normalization, seed: UInt64) {
        self.network = network
        self.normalization = normalization
        parameters = AlignedBuffer(count: network.parameterCount)
        parameters.withUnsafeMutableBufferPointer { network.initializeParameters($0, seed: seed) }
        state = Model.initialState(of: network)
    }

    /// A model with the given parameter values (from a checkpoint), `network.parameterCount`
    /// of them in `network.parameterTensors` order, and the state at its initial values.
    public init(network: Network, normalization: Normalization, parameters values: [Float]) {
        self.network = network
        self.normalization = normalization
        parameters = AlignedBuffer(count: network.parameterCount)
        parameters.assign(values)
        state = Model.initialState(of: network)
    }

    /// A model with the given parameter and state values (from a checkpoint), in
    /// `network.parameterTensors` and `network.stateTensors` order.
    public init(network: Network, normalization: Normalization, parameters values: [Float], state stateValues: [Float]) {
        self.network = network
        self.normalization = normalization
        parameters = AlignedBuffer(count: network.parameterCount)
        parameters.assign(values)
        state = AlignedBuffer(count: network.stateCount)
        state.assign(stateValues)
    }

    private static func initialState(of network: Network) -> AlignedBuffer {
        let state = AlignedBuffer(count: network.stateCount)
        state.withUnsafeMutableBufferPointer { network.initializeState($0) }
        return state
    }
}
