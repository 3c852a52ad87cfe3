/// The loss kinds Fovea knows, by name: checkpoints and the command line read this list and
/// nothing else.
public enum LossRegistry {
    /// One line per kind.
    public static let kinds: [any Loss.Type] = [
        SoftmaxCrossEntropy.self,
        BinaryCrossEntropy.self,
        MeanSquaredError.self,
        L1Loss.self,
    ]

    /// The kind called `name`, if there is one.
    public static func kind(named name: String) -> (any Loss.Type)? {
        kinds.first { $0.name == name }
    }

    /// The kind `fovea train --loss option` picks, if there is one.
    public static func kind(option: String) -> (any Loss.Type)? {
        kinds.first { $0.option == option }
    }

    /// The names, for help texts and errors: `softmax_cross_entropy, binary_cross_entropy, mse`.
    public static var names: String { kinds.map { $0.name }.joined(separator: ", ") }

    /// The `--loss` values, for help texts and errors: `ce, bce, mse`.
    public static var options: String { kinds.map { $0.option }.joined(separator: ", ") }
}
