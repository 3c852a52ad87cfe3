import ArgumentParser
import Fovea

/// The optimizer flags shared by `fovea train` and `fovea lr-find`: the kind, then one flag per
/// hyper-parameter (`OptimizerRegistry` says which kinds take which and their defaults). Shown
/// in each command's options in this order, where the command declares the group.
struct OptimizerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The optimizer: \(OptimizerRegistry.names). (default: \(TrainCommand.Defaults.optimizer))"))
    var optimizer: String?

    @Option(help: ArgumentHelp("Base learning rate. \(OptimizerOptions.defaults(of: "--lr"))"))
    var lr: Double?

    @Option(help: ArgumentHelp("SGD momentum (0 disables it). \(OptimizerOptions.defaults(of: "--momentum"))"))
    var momentum: Double?

    @Flag(help: "Use Nesterov momentum (SGD).")
    var nesterov = false

    @Option(help: ArgumentHelp("Adam's and AdamW's first-moment decay β₁. \(OptimizerOptions.defaults(of: "--beta1"))"))
    var beta1: Double?

    @Option(help: ArgumentHelp("Adam's and AdamW's second-moment decay β₂. \(OptimizerOptions.defaults(of: "--beta2"))"))
    var beta2: Double?

    @Option(help: ArgumentHelp("Adam's and AdamW's ε, added outside the square root. \(OptimizerOptions.defaults(of: "--eps"))"))
    var eps: Double?

    @Option(name: .customLong("weight-decay"),
            help: ArgumentHelp("Weight decay on weights (not biases): L2 in the gradient (SGD, Adam), decoupled (AdamW). \(OptimizerOptions.defaults(of: "--weight-decay"))"))
    var weightDecay: Double?

    /// The optimizer's hyper-parameters given on the command line, by flag.
    var flags: [String: Double] {
        let values: [(String, Double?)] = [("--lr", lr), ("--momentum", momentum), ("--nesterov", nesterov ? 1 : nil),
                                            ("--beta1", beta1), ("--beta2", beta2), ("--eps", eps), ("--weight-decay", weightDecay)]
        return Dictionary(uniqueKeysWithValues: values.compactMap { flag, value in value.map { (flag, $0) } })
    }

    /// For `validate()`: each value given in its range, then, if `makingOptimizer` (a new run,
    /// not a resumed one), that the optimizer takes every flag given. A usage error otherwise.
    func check(makingOptimizer: Bool) throws {
        do {
            for (flag, value) in flags.sorted(by: { $0.key < $1.key }) { try OptimizerRegistry.check(flag, value) }
            if makingOptimizer { _ = try make() }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The optimizer the flags describe (`--optimizer`, default sgd, with its defaults for the
    /// hyper-parameters not given).
    func make() throws -> any Optimizer {
        try OptimizerRegistry.make(optimizer ?? TrainCommand.Defaults.optimizer, given: flags)
    }

    /// `(default: 0.9)` or `(default: 0.03 for sgd, 0.001 for adam, adamw)`: the defaults the
    /// optimizer kinds give the hyper-parameter of `flag`.
    static func defaults(of flag: String) -> String {
        var byValue: [(value: Double, kinds: [String])] = []
        for kind in OptimizerRegistry.kinds {
            guard let parameter = kind.hyperParameters.first(where: { $0.flag == flag }) else { continue }
            if let i = byValue.firstIndex(where: { $0.value == parameter.defaultValue }) {
                byValue[i].kinds.append(kind.name)
            } else {
                byValue.append((parameter.defaultValue, [kind.name]))
            }
        }
        if byValue.count == 1, let only = byValue.first { return "(default: \(only.value))" }
        return "(default: " + byValue.map { "\($0.value) for \($0.kinds.joined(separator: ", "))" }.joined(separator: "; ") + ")"
    }
}
