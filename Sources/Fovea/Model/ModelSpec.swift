import Foundation

/// A sequential model written as text, e.g.
/// `conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten dense(128) relu dropout(0.5) dense(10)`.
/// Layers are separated by white space; arguments may have spaces after commas. The network ends
/// in what its loss compares (for softmax cross-entropy, one logit per class); the loss is the
/// network's (`Network.loss`), not a layer.
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
        "vgg-bn": "conv(32,3,pad=1) batchnorm relu conv(32,3,pad=1) batchnorm relu maxpool(2) conv(64,3,pad=1) batchnorm relu "
            + "conv(64,3,pad=1) batchnorm relu maxpool(2) flatten dense(256) batchnorm relu dropout(0.5) dense(10)",
        "zoo": "conv(16,3,pad=1) elu dwconv(3,pad=1) conv(32,1) leakyrelu maxpool(2) conv(32,3,pad=2,dilation=2) batchnorm tanh "
            + "avgpool(2) flatten dense(10)",
        // The Gaussian-blob exercise's network, exactly as the course writes it (no activation
        // between the two dense layers): one logit, for --loss bce.
        "gausnet": "conv(6,3,pad=1) relu avgpool(2) conv(4,3,pad=1) relu avgpool(2) flatten dense(50) dense(1)",
        // The reference harness's convolutional autoencoder (--net autoencoder): two stride-2
        // convolutions down to 64×7×7, two transposed convolutions back up; no activation at the
        // end, since the target is the normalised input (--loss mse, target input).
        "autoencoder": "conv(32,3,stride=2,pad=1) relu conv(64,3,stride=2,pad=1) relu convT(32,3,stride=2,pad=1,outpad=1) relu "
            + "convT(1,3,stride=2,pad=1,outpad=1)",
        // A deeper autoencoder for denoising (--input-noise, --occlude): a full-resolution
        // convolution before the two stride-2 ones, and a convolution after each transposed one
        // to clean up its checkerboard.
        "denoiser": "conv(32,3,pad=1) relu conv(32,3,stride=2,pad=1) relu conv(64,3,stride=2,pad=1) relu "
            + "convT(32,3,stride=2,pad=1,outpad=1) relu conv(32,3,pad=1) relu convT(16,3,stride=2,pad=1,outpad=1) relu conv(1,3,pad=1)",
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

    /// Parses this token as a layer: the syntax here, the arguments by the kind the registry
    /// names (`LayerKind.bind`).
    func parse(in spec: String) throws(ModelSpecError) -> LayerSpecification {
        func fail(_ message: String) -> ModelSpecError { ModelSpecError(spec: spec, token: self, message: message) }
        let name: String
        var positional: [String] = []
        var keywords: [(name: String, text: String)] = []
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

        guard let kind = LayerRegistry.kind(token: name) else {
            throw fail("unknown layer '\(name)' (expected one of \(LayerRegistry.tokenList), or a preset: \(ModelSpec.presets.map(\.key).joined(separator: ", ")))")
        }
        do {
            return LayerSpecification(kind: kind, bound: try kind.bind(positional: positional, keywords: keywords, parenthesized: text.contains("(")))
        } catch {
            throw fail(error.message)
        }
    }
}
