/// A network with its parameter values and the input normalisation it was trained with:
/// everything needed to evaluate it.
public final class Model: @unchecked Sendable {
    public let network: Network
    /// All parameters in one flat buffer, layer after layer, in `network.parameterTensors` order.
    /// Safety: only the optimizer writes it, between steps, while no worker reads it.
    public let parameters: AlignedBuffer
    public var normalization: Normalization

    /// A model with freshly initialised parameters drawn from `seed`: normal weights with He's
    /// variance (2 / fan-in) where a layer's output reaches a ReLU and LeCun's (1 / fan-in)
    /// elsewhere, such as the logits (`Network.initializeParameters`); zero biases.
    public init(network: Network, normalization: Normalization, seed: UInt64) {
        self.network = network
        self.normalization = normalization
        parameters = AlignedBuffer(count: network.parameterCount)
        parameters.withUnsafeMutableBufferPointer { network.initializeParameters($0, seed: seed) }
    }

    /// A model with the given parameter values (from a checkpoint), `network.parameterCount`
    /// of them in `network.parameterTensors` order.
    public init(network: Network, normalization: Normalization, parameters values: [Float]) {
        self.network = network
        self.normalization = normalization
        parameters = AlignedBuffer(count: network.parameterCount)
        parameters.assign(values)
    }
}
