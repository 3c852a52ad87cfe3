/// The optimizer kinds Fovea knows, by name: `--optimizer`, checkpoints, `train --help` and
/// `inspect` read this list and nothing else.
public enum OptimizerRegistry {
    /// One line per kind.
    public static let kinds: [any Optimizer.Type] = [
        SGD.self,
        Adam.self,
        AdamW.self,
    ]

    /// The kind called `name`, if there is one.
    public static func kind(named name: String) -> (any Optimizer.Type)? {
        kinds.first { $0.name == name }
    }

    /// The names, for help texts and errors: `sgd, adam, adamw`.
    public static var names: String { kinds.map { $0.name }.joined(separator: ", ") }

    /// Throws unless `value` is in the range of the hyper-parameter set by `flag` (the kinds that
    /// share a flag share its range).
    public static func check(_ flag: String, _ value: Double) throws(OptimizerSettingError) {
        for kind in kinds {
            if let parameter = kind.hyperParameters.first(where: { $0.flag == flag }), !parameter.accepts(value) {
                throw OptimizerSettingError(setting: flag, message: "must be \(parameter.requirement), got \(value)")
            }
        }
    }

    /// An optimizer of kind `name` from the hyper-parameters given by flag (`--lr`: 0.01);
    /// the others take the kind's defaults. Throws, naming the flag, for an unknown kind, a flag
    /// this kind does not take, or a value outside its range.
    public static func make(_ name: String, given: [String: Double]) throws(OptimizerSettingError) -> any Optimizer {
        guard let kind = kind(named: name) else {
            throw OptimizerSettingError(setting: "--optimizer", message: "unknown optimizer '\(name)' (expected one of \(names))")
        }
        for flag in given.keys.sorted() where !kind.hyperParameters.contains(where: { $0.flag == flag }) {
            throw OptimizerSettingError(setting: flag, message: "does not apply to \(name) (it takes \(kind.hyperParameters.map(\.flag).joined(separator: ", ")))")
        }
        var values: [Double] = []
        for parameter in kind.hyperParameters {
            let value = given[parameter.flag] ?? parameter.defaultValue
            guard parameter.accepts(value) else {
                throw OptimizerSettingError(setting: parameter.flag, message: "must be \(parameter.requirement), got \(value)")
            }
            values.append(value)
        }
        return kind.init(values: values)
    }
}
