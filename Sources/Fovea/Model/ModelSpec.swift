import Foundation

/// One layer as written in a model spec. Its `description` is the canonical form, which parses
/// back to the same value.
public enum LayerSpecification: Hashable, Sendable, CustomStringConvertible {
    /// `conv(C,K[,stride=S][,pad=P])`: C filters of K × K.
    case convolution(filters: Int, kernel: Int, stride: Int, padding: Int)
    /// `relu`
    case relu
    /// `maxpool(K[,stride=S])`: stride defaults to K.
    case maxPool(kernel: Int, stride: Int)
    /// `dropout(P)`: drop probability P in [0, 1).
    case dropout(rate: Double)
    /// `flatten`
    case flatten
    /// `dense(N)`: N output features.
    case dense(units: Int)

    public var description: String {
        switch self {
        case let .convolution(filters, kernel, stride, padding):
            var text = "conv(\(filters),\(kernel)"
            if stride != 1 { text += ",stride=\(stride)" }
            if padding != 0 { text += ",pad=\(padding)" }
            return text + ")"
        case .relu: return "relu"
        case let .maxPool(kernel, stride):
            return stride == kernel ? "maxpool(\(kernel))" : "maxpool(\(kernel),stride=\(stride))"
        case let .dropout(rate): return "dropout(\(rate))"
        case .flatten: return "flatten"
        case let .dense(units): return "dense(\(units))"
        }
    }
}

/// A sequential model written as text, e.g.
/// `conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten dense(128) relu dropout(0.5) dense(10)`.
/// Layers are separated by white space; arguments may have spaces after commas. The network ends
/// in logits; softmax cross-entropy is the loss, not a layer.
public struct ModelSpec: Hashable, Sendable, CustomStringConvertible {
    public let layers: [LayerSpecification]
    /// Where each layer was written (for error messages): the token and its column (1-based).
    let tokens: [SpecToken]

    /// The named presets, in the order `fovea train --help` lists them.
    public static let presets: KeyValuePairs<String, String> = [
        "mnist-cnn": "conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten dense(128) relu dropout(0.5) dense(10)",
        "lenet-small": "conv(8,5,pad=2) relu maxpool(2) conv(16,5) relu maxpool(2) flatten dense(120) relu dense(84) relu dense(10)",
        "mlp": "flatten dense(256) relu dense(128) relu dense(10)",
        "mnist-fast": "conv(8,5,pad=2) relu maxpool(2) conv(24,5) relu maxpool(2) flatten dense(128) relu dense(10)",
    ]

    /// Parses a preset name or a spec string.
    public init(_ text: String) throws(ModelSpecError) {
        if let preset = ModelSpec.presets.first(where: { $0.key == text }) {
            try self.init(parsing: preset.value)
        } else {
            try self.init(parsing: text)
        }
    }

    /// A spec from layers (the tokens are their canonical forms).
    public init(layers: [LayerSpecification]) {
        self.layers = layers
        var column = 1
        var tokens: [SpecToken] = []
        for layer in layers {
            tokens.append(SpecToken(text: layer.description, column: column))
            column += layer.description.count + 1
        }
        self.tokens = tokens
    }

    private init(parsing text: String) throws(ModelSpecError) {
        let tokens = try SpecToken.split(text)
        guard !tokens.isEmpty else {
            throw ModelSpecError(spec: text, token: nil, message: "the model spec is empty (give a preset such as mnist-cnn, or layers such as 'conv(32,3) relu flatten dense(10)')")
        }
        var layers: [LayerSpecification] = []
        for token in tokens {
            layers.append(try token.parse(in: text))
        }
        self.layers = layers
        self.tokens = tokens
    }

    /// The canonical form: each layer's canonical text, separated by one space.
    public var description: String { layers.map(\.description).joined(separator: " ") }

    public static func == (a: ModelSpec, b: ModelSpec) -> Bool { a.layers == b.layers }
    public func hash(into hasher: inout Hasher) { hasher.combine(layers) }
}

/// A model spec that cannot be parsed or built, pointing at the offending token.
public struct ModelSpecError: Error, Equatable, CustomStringConvertible {
    public let spec: String
    /// The offending token and its column, if the error is about one.
    public let token: String?
    public let column: Int?
    public let message: String

    init(spec: String, token: SpecToken?, message: String) {
        self.spec = spec
        self.token = token?.text
        self.column = token?.column
        self.message = message
    }

    public var description: String {
        if let token, let column {
            return "model spec, column \(column), '\(token)': \(message)"
        }
        return "model spec: \(message)"
    }
}

/// One layer's text in a spec and where it starts.
struct SpecToken: Hashable, Sendable {
    let text: String
    /// 1-based column of the token's first character in the spec.
    let column: Int

    static let layerNames = "conv, relu, maxpool, dropout, flatten, dense"

    /// Splits a spec into layer tokens: a name, optionally followed by `( … )` (which may contain
    /// spaces).
    static func split(_ text: String) throws(ModelSpecError) -> [SpecToken] {
        let characters = Array(text)
        var tokens: [SpecToken] = []
        var i = 0
        while i < characters.count {
            if characters[i].isWhitespace { i += 1; continue }
            let start = i
            var depth = 0
            while i < characters.count && (depth > 0 || !characters[i].isWhitespace) {
                if characters[i] == "(" { depth += 1 }
                if characters[i] == ")" {
                    depth -= 1
                    if depth < 0 { break }
                }
                i += 1
            }
            let token = SpecToken(text: String(characters[start ..< min(i + (depth < 0 ? 1 : 0), characters.count)]), column: start + 1)
            if depth != 0 {
                throw ModelSpecError(spec: text, token: token, message: depth > 0 ? "missing ')'" : "unexpected ')'")
            }
            tokens.append(token)
        }
        return tokens
    }

    /// Parses this token as a layer.
    func parse(in spec: String) throws(ModelSpecError) -> LayerSpecification {
        func fail(_ message: String) -> ModelSpecError { ModelSpecError(spec: spec, token: self, message: message) }
        let name: String
        var positional: [String] = []
        var keywords: [(String, String)] = []
        if let open = text.firstIndex(of: "(") {
            name = String(text[..<open])
            guard text.hasSuffix(")") else { throw fail("text after ')'") }
            let inside = text[text.index(after: open) ..< text.index(before: text.endIndex)]
            let parts = inside.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if !(parts.count == 1 && parts[0].isEmpty) {
                for part in parts {
                    if part.isEmpty { throw fail("empty argument") }
                    if let equals = part.firstIndex(of: "=") {
                        keywords.append((String(part[..<equals]).trimmingCharacters(in: .whitespaces),
                                         String(part[part.index(after: equals)...]).trimmingCharacters(in: .whitespaces)))
                    } else {
                        if !keywords.isEmpty { throw fail("positional argument '\(part)' after a keyword argument") }
                        positional.append(part)
                    }
                }
            }
        } else {
            name = text
        }

        func integer(_ value: String, _ what: String, minimum: Int) throws(ModelSpecError) -> Int {
            guard let number = Int(value) else { throw fail("\(what) must be a whole number, got '\(value)'") }
            guard number >= minimum else { throw fail("\(what) must be at least \(minimum), got \(number)") }
            return number
        }
        func arguments(_ required: [String], optional: [String]) throws(ModelSpecError) -> [String: String] {
            let usage = "\(name)(" + (required + optional.map { "\($0)=…" }).joined(separator: ",") + ")"
            guard positional.count == required.count else {
                throw fail("\(name) takes \(required.count) positional argument\(required.count == 1 ? "" : "s") (\(usage)), got \(positional.count)")
            }
            var values = Dictionary(uniqueKeysWithValues: zip(required, positional))
            for (key, value) in keywords {
                guard optional.contains(key) else {
                    throw fail(optional.isEmpty ? "\(name) takes no keyword arguments (\(usage))" : "unknown argument '\(key)' (\(usage))")
                }
                guard values[key] == nil else { throw fail("argument '\(key)' given twice") }
                values[key] = value
            }
            return values
        }

        switch name {
        case "conv":
            let a = try arguments(["filters", "kernel"], optional: ["stride", "pad"])
            return .convolution(filters: try integer(a["filters"]!, "the number of filters", minimum: 1),
                                kernel: try integer(a["kernel"]!, "the kernel size", minimum: 1),
                                stride: try integer(a["stride"] ?? "1", "stride", minimum: 1),
                                padding: try integer(a["pad"] ?? "0", "pad", minimum: 0))
        case "maxpool":
            let a = try arguments(["kernel"], optional: ["stride"])
            let kernel = try integer(a["kernel"]!, "the pooling window", minimum: 1)
            return .maxPool(kernel: kernel, stride: try integer(a["stride"] ?? String(kernel), "stride", minimum: 1))
        case "dropout":
            let a = try arguments(["rate"], optional: [])
            guard let rate = Double(a["rate"]!), rate >= 0, rate < 1 else {
                throw fail("the dropout rate must be a number in [0, 1), got '\(a["rate"]!)'")
            }
            return .dropout(rate: rate)
        case "dense":
            let a = try arguments(["units"], optional: [])
            return .dense(units: try integer(a["units"]!, "the number of units", minimum: 1))
        case "relu", "flatten":
            guard positional.isEmpty && keywords.isEmpty && !text.contains("(") else {
                throw fail("\(name) takes no arguments")
            }
            return name == "relu" ? .relu : .flatten
        default:
            throw fail("unknown layer '\(name)' (expected one of \(SpecToken.layerNames), or a preset: \(ModelSpec.presets.map(\.key).joined(separator: ", ")))")
        }
    }
}
