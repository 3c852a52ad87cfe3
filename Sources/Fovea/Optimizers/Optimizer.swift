/// An optimizer: the rule that turns a step's summed gradient into new parameter values.
///
/// A kind declares what it is called (on the command line and in checkpoints), its
/// hyper-parameters (names, defaults, ranges), the per-parameter state tensors it keeps (SGD:
/// `velocity`; Adam: `m`, `v`), and the update of one range of parameters. A value of the kind
/// holds the hyper-parameters of one run. It knows nothing of shards, threads or files:
/// `GradientReduction` sums the shards' gradients in a fixed order and hands it ranges,
/// `OptimizerState` keeps its tensors and step count, the checkpoint saves both by name.
///
/// Adding an optimizer: one file with a type conforming to this protocol, and its name in
/// `OptimizerRegistry.kinds` (docs/extending.md walks through `Adam.swift`).
public protocol Optimizer: Sendable {
    /// The name on the command line (`--optimizer NAME`) and in checkpoints: lower case, stable.
    static var name: String { get }
    /// The name in text output (`SGD`, `Adam`).
    static var title: String { get }
    /// The hyper-parameters, in the order `values` and checkpoints hold them; the first is
    /// always `learning_rate` (the schedule's base rate).
    static var hyperParameters: [HyperParameter] { get }
    /// The names of the per-parameter state tensors, each as long as the parameter vector and
    /// starting at zero.
    static var stateNames: [String] { get }

    /// The optimizer with `values[i]` for `hyperParameters[i]`, each already checked against
    /// its rule (`OptimizerRegistry.make` and the checkpoint reader check them).
    init(values: [Double])
    /// The hyper-parameters' values, in `hyperParameters` order.
    var values: [Double] { get }

    /// Updates the `update.count` parameters from their summed gradient, reading and writing
    /// these elements of its state tensors only. It runs on several threads at once, each on
    /// its own ranges, so it must write nothing else; and it must give every element the same
    /// result wherever a range starts or ends (no operation may depend on an element's position
    /// within the range, such as a fused multiply-add in the vector loop but not in the tail).
    func update(_ update: ParameterUpdate)
}

extension Optimizer {
    /// The base learning rate (the first hyper-parameter).
    public var learningRate: Double { values.first ?? 0 }

    /// The hyper-parameters as `(key, value)` pairs, in order.
    public var hyperParameterValues: [(key: String, value: Double)] {
        zip(Self.hyperParameters, values).map { ($0.key, $1) }
    }

    /// Whether `other` is the same kind with the same values.
    public func isSame(as other: any Optimizer) -> Bool {
        Self.name == type(of: other).name && values == other.values
    }

    /// `Adam (lr 0.001, beta1 0.9, beta2 0.999, eps 1e-08, weight decay 0)`: the kind's title and
    /// each hyper-parameter by its flag's name, numbers written by `number`; a switch is named
    /// when on and left out when off (`SGD (lr 0.05, momentum 0.9, nesterov, weight decay 0)`).
    public func summary(number: (Double) -> String = { "\($0)" }) -> String {
        let parts = zip(Self.hyperParameters, values).compactMap { parameter, value -> String? in
            let name = parameter.flag.dropFirst(2).replacingOccurrences(of: "-", with: " ")
            if parameter.isSwitch { return value == 0 ? nil : name }
            return "\(name) \(number(value))"
        }
        return "\(Self.title) (\(parts.joined(separator: ", ")))"
    }
}

/// One hyper-parameter of an optimizer kind: its key (in checkpoints and JSON), its flag, its
/// default and the range it must lie in.
public struct HyperParameter: Sendable {
    /// `learning_rate`, `momentum`, `beta1`…
    public let key: String
    /// The `fovea train` flag that sets it: `--lr`, `--momentum`…
    public let flag: String
    public let defaultValue: Double
    /// What a valid value is, for error messages: "in [0, 1)".
    public let requirement: String
    /// Whether the value is a switch (0 or 1), given on the command line as a flag without value.
    public let isSwitch: Bool
    private let isValid: @Sendable (Double) -> Bool

    public init(key: String, flag: String, defaultValue: Double, requirement: String, isSwitch: Bool = false,
                isValid: @escaping @Sendable (Double) -> Bool) {
        self.key = key
        self.flag = flag
        self.defaultValue = defaultValue
        self.requirement = requirement
        self.isSwitch = isSwitch
        self.isValid = isValid
    }

    /// Whether `value` is allowed (never for NaN or an infinity unless the rule says so).
    public func accepts(_ value: Double) -> Bool { isValid(value) }

    // The hyper-parameters several kinds share.

    /// `learning_rate` (`--lr`), the schedule's base rate.
    public static func learningRate(default value: Double) -> HyperParameter {
        HyperParameter(key: "learning_rate", flag: "--lr", defaultValue: value, requirement: "a finite number > 0") { $0 > 0 && $0.isFinite }
    }

    /// `weight_decay` (`--weight-decay`), applied to weights, not biases.
    public static func weightDecay(default value: Double) -> HyperParameter {
        HyperParameter(key: "weight_decay", flag: "--weight-decay", defaultValue: value, requirement: "a finite number ≥ 0") {
            $0 >= 0 && $0.isFinite
        }
    }
}

/// What one call of `Optimizer.update` works on: `count` consecutive parameters (the elements
/// `range` of the flat parameter vector, all of tensors that decay or all of tensors that do
/// not), their summed gradient and the optimizer's state for them. Every pointer addresses the
/// first of the `count` elements: element `i` of the update is `parameters[i]`, `gradient[i]`,
/// `state(k)[i]`. They are valid only during the call.
public struct ParameterUpdate {
    /// Where the elements sit in the parameter vector.
    public let range: Range<Int>
    /// The parameters, updated in place.
    public let parameters: UnsafeMutablePointer<Float>
    /// The gradient of the batch-mean loss (the shards' sum).
    public let gradient: UnsafePointer<Float>
    /// Whether weight decay applies (weights and kernels: yes; biases: no).
    public let decays: Bool
    /// The learning rate of this step (the schedule's value).
    public let learningRate: Double
    /// The number of this update, 1 for the first (Adam's bias correction).
    public let step: Int
    let stateBase: UnsafeMutablePointer<Float>
    let stateStride: Int

    /// The number of elements.
    public var count: Int { range.count }

    /// State tensor `k` (in `Optimizer.stateNames` order), at the first element.
    public func state(_ k: Int) -> UnsafeMutablePointer<Float> { stateBase + k * stateStride }
}

/// An optimizer name or hyper-parameter that does not fit, with the flag or key at fault.
public struct OptimizerSettingError: Error, Equatable, CustomStringConvertible {
    /// The flag (`--beta1`) or checkpoint key (`beta1`) at fault.
    public let setting: String
    public let message: String

    public init(setting: String, message: String) {
        self.setting = setting
        self.message = message
    }

    public var description: String { "\(setting): \(message)" }
}
