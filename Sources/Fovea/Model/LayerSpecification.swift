/// One layer as written in a model spec: its kind and its arguments, every one the kind declares
/// (defaults filled in), so that `maxpool(2)` and `maxpool(2,stride=2)` are equal. Its
/// `description` is the canonical form, which parses back to an equal value.
public struct LayerSpecification: Hashable, Sendable, CustomStringConvertible {
    public let kind: LayerKind
    public let arguments: LayerArguments

    /// A layer of `kind` with `arguments` by name; the kind's defaults fill in what is not
    /// given. Throws, as the spec parser would, for an unknown name, a missing positional
    /// argument, or a value of the wrong type or out of range.
    public init(_ kind: LayerKind, _ arguments: LayerArguments = LayerArguments()) throws(LayerArgumentError) {
        self.kind = kind
        self.arguments = try kind.resolve(arguments)
    }

    /// A layer of `kind` with arguments already bound by the kind (complete and checked).
    init(kind: LayerKind, bound arguments: LayerArguments) {
        self.kind = kind
        self.arguments = arguments
    }

    public var description: String { kind.canonical(arguments) }
}
