/// How a parameter tensor starts.
public enum ParameterInitialization: Hashable, Sendable {
    /// Normal, mean 0, standard deviation `√(gain / fanIn)`. The network chooses `gain` from the
    /// layers that follow (`InitializationRole`): 2 where the output reaches a ReLU (He et al.
    /// 2015), 1 elsewhere (LeCun). Value `i` of the layer's parameters (counting from its first
    /// tensor) is draw `i` of the layer's initialisation stream.
    case scaledNormal(fanIn: Int)
    /// Every value the same.
    case constant(Float)

    /// Biases.
    public static let zeros = ParameterInitialization.constant(0)
    /// Scales, such as batch normalization's.
    public static let ones = ParameterInitialization.constant(1)

    /// Writes the initial values of one tensor; `firstDraw` is the index of its first value
    /// among the layer's parameters.
    func fill(_ values: UnsafeMutableBufferPointer<Float>, stream: RandomStream, firstDraw: Int, gain: Double) {
        switch self {
        case let .scaledNormal(fanIn):
            let std = (gain / Double(fanIn)).squareRoot()
            for i in values.indices {
                values[i] = Float(stream.normal(UInt64(firstDraw + i)) * std)
            }
        case let .constant(value):
            values.update(repeating: value)
        }
    }
}

/// The name and shape of one trainable tensor of a layer, e.g. `weight [32, 1, 3, 3]`, and how it
/// starts.
public struct ParameterShape: Hashable, Sendable {
    /// `weight` or `bias`: the last part of the tensor's checkpoint name (`layer1.conv.weight`).
    public let name: String
    public let shape: [Int]
    /// Whether weight decay applies (kernels and matrices: yes; biases: no).
    public let decays: Bool
    public let initialization: ParameterInitialization

    public init(name: String, shape: [Int], decays: Bool, initialization: ParameterInitialization) {
        self.name = name
        self.shape = shape
        self.decays = decays
        self.initialization = initialization
    }

    public var count: Int { shape.reduce(1, *) }
}

/// The name, shape and initial value of one non-trainable tensor a layer keeps from step to step
/// (batch normalization's `running_mean` and `running_var`): saved in checkpoints, never handed
/// to the optimizer.
public struct StateShape: Hashable, Sendable {
    /// The last part of the tensor's checkpoint name (`layer3.batchnorm.running_mean`).
    public let name: String
    public let shape: [Int]
    /// The value of every element before the first step.
    public let initialValue: Float

    public init(name: String, shape: [Int], initialValue: Float) {
        self.name = name
        self.shape = shape
        self.initialValue = initialValue
    }

    public var count: Int { shape.reduce(1, *) }
}
