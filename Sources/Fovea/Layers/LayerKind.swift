/// A kind of layer as the registry lists it: a `RegisteredLayer` type, compared by identity, with
/// what is derived from its declaration (usage texts, argument binding, the canonical form).
public struct LayerKind: Hashable, Sendable, CustomStringConvertible {
    public let type: any RegisteredLayer.Type

    public init(_ type: any RegisteredLayer.Type) { self.type = type }

    public var token: String { type.token }
    public var identifier: String { type.identifier }
    public var arguments: [LayerArgument] { type.arguments }
    public var meaning: String { type.meaning }
    public var description: String { token }

    public static func == (a: LayerKind, b: LayerKind) -> Bool { ObjectIdentifier(a.type) == ObjectIdentifier(b.type) }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(type)) }

    /// How help texts write the kind, with placeholders and optional parts in brackets:
    /// `conv(C,K[,stride=S][,pad=P])`, `relu`.
    /// `leakyrelu[(A)]`, `upsample[(S)]`.
    public var usage: String {
        if arguments.isEmpty { return token }
        let required = arguments.filter(\.isRequired).map(\.placeholder)
        let optional = arguments.filter { !$0.isRequired }.map { $0.isKeyword ? "\($0.name)=\($0.placeholder)" : $0.placeholder }
        if required.isEmpty { return "\(token)[(\(optional.joined(separator: ",")))]" }
        return "\(token)(\(required.joined(separator: ","))\(optional.map { "[,\($0)]" }.joined()))"
    }

    /// How error messages write the kind, with argument names: `conv(filters,kernel,stride=…,pad=…)`,
    /// `leakyrelu([slope])`.
    var argumentUsage: String {
        "\(token)(" + arguments.map { $0.isKeyword ? "\($0.name)=…" : $0.isRequired ? $0.name : "[\($0.name)]" }.joined(separator: ",") + ")"
    }

    /// The layer for `arguments` (complete, as a `LayerSpecification` holds them) on `input`.
    func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> any Layer {
        try type.make(arguments, input: input)
    }

    /// The arguments as written in a spec token, parsed, checked and completed with defaults.
    /// `parenthesized`: whether the token has `( … )`, which a kind without arguments refuses.
    func bind(positional: [String], keywords: [(name: String, text: String)], parenthesized: Bool) throws(LayerArgumentError) -> LayerArguments {
        if arguments.isEmpty {
            guard positional.isEmpty && keywords.isEmpty && !parenthesized else { throw LayerArgumentError("\(token) takes no arguments") }
            return LayerArguments()
        }
        let byPosition = arguments.filter { !$0.isKeyword }
        let required = byPosition.filter(\.isRequired).count
        guard (required ... byPosition.count).contains(positional.count) else {
            let expected = required == byPosition.count ? "\(required)" : "\(required) to \(byPosition.count)"
            throw LayerArgumentError("\(token) takes \(expected) positional argument\(expected == "1" ? "" : "s") (\(argumentUsage)), got \(positional.count)")
        }
        var written = Dictionary(uniqueKeysWithValues: zip(byPosition.map(\.name), positional))
        for (name, text) in keywords {
            guard arguments.contains(where: { $0.isKeyword && $0.name == name }) else {
                throw LayerArgumentError(arguments.contains(where: \.isKeyword) ? "unknown argument '\(name)' (\(argumentUsage))"
                                                                                 : "\(token) takes no keyword arguments (\(argumentUsage))")
            }
            guard written[name] == nil else { throw LayerArgumentError("argument '\(name)' given twice") }
            written[name] = text
        }
        return try complete(written) { argument, text throws(LayerArgumentError) in try argument.value(parsing: text) }
    }

    /// `given` checked (names, types, ranges) and completed with defaults.
    func resolve(_ given: LayerArguments) throws(LayerArgumentError) -> LayerArguments {
        for name in given.values.keys.sorted() where !arguments.contains(where: { $0.name == name }) {
            throw LayerArgumentError(arguments.isEmpty ? "\(token) takes no arguments" : "unknown argument '\(name)' (\(argumentUsage))")
        }
        return try complete(given.values) { argument, value throws(LayerArgumentError) in try argument.checked(value) }
    }

    /// Every declared argument, in declaration order (so that errors come in the order the
    /// arguments are written): the given one converted by `convert`, else its default. A
    /// missing positional argument is an error.
    private func complete<Given>(_ given: [String: Given],
                                 convert: (LayerArgument, Given) throws(LayerArgumentError) -> LayerArgumentValue)
        throws(LayerArgumentError) -> LayerArguments {
        var values = LayerArguments()
        for argument in arguments {
            if let written = given[argument.name] {
                values[argument.name] = try convert(argument, written)
                continue
            }
            guard let defaultValue = argument.default else {
                throw LayerArgumentError("\(token) needs \(argument.wording) (\(argumentUsage))")
            }
            guard let value = resolved(defaultValue, in: values) else {
                preconditionFailure("\(token): the default of '\(argument.name)' names an argument not declared before it")
            }
            values[argument.name] = value
        }
        return values
    }

    /// The canonical text of a layer of this kind: the positional arguments, then the keyword
    /// arguments whose value differs from their default, in declaration order (`conv(8,5,pad=2)`,
    /// `maxpool(3,stride=2)`, `relu`).
    /// An optional positional argument is written when it or a later positional one differs from
    /// its default (`leakyrelu`, `leakyrelu(0.2)`).
    func canonical(_ values: LayerArguments) -> String {
        var positional: [(text: String, isDefault: Bool)] = [], keywords: [String] = []
        for argument in arguments {
            guard let value = values[argument.name] else { continue }
            let isDefault = argument.default.map { value == resolved($0, in: values) } ?? false
            if !argument.isKeyword {
                positional.append(("\(value)", isDefault))
            } else if !isDefault {
                keywords.append("\(argument.name)=\(value)")
            }
        }
        while let last = positional.last, last.isDefault { positional.removeLast() }
        let written = positional.map(\.text) + keywords
        return written.isEmpty ? token : "\(token)(\(written.joined(separator: ",")))"
    }

    /// The value a default stands for, given the arguments before it (`nil` if it names one
    /// that is not among them).
    private func resolved(_ defaultValue: LayerArgument.Default, in values: LayerArguments) -> LayerArgumentValue? {
        switch defaultValue {
        case let .integer(number): .integer(number)
        case let .real(number): .real(number)
        case let .sameAs(other): values[other]
        }
    }
}
