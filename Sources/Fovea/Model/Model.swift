/// A network with its parameter values and the input normalisation it was trained with:
/// everything needed to evaluate it.
public final class Model: @unchecked Sendable {
    public let network: Network
    /// All parameters in one flat buffer, layer after layer, in `network.parameterTensors` order.
    /// Safety: only the optimizer writes it, between steps, while no worker reads it.
    public let parameters: AlignedBuffer
    public var normalization: Normalization

    /// A model with freshly initialised parameters (He initialisation, zero biases) drawn from
    /// `seed`.
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

    /// The parameter tensors with their qualified names, e.g. `layer1.conv.weight [32, 1, 3, 3]`.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        let values = parameters.array
        return network.parameterTensors.map { entry in
            (entry.name, Tensor(shape: entry.shape.shape, scalars: Array(values[entry.range])))
        }
    }
}
