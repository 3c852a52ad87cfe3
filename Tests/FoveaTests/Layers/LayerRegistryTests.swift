import Foundation
import Testing
import Fovea

/// The registry's kinds describe themselves consistently, and the parser, printer, help texts
/// and checkpoint names read them.
@Suite struct LayerRegistryTests {
    /// Tokens and checkpoint identifiers are today's, in the order help texts list them.
    @Test func kindsAndIdentifiers() {
        let tokens = ["conv", "dwconv", "sepconv", "convT", "relu", "leakyrelu", "elu", "sigmoid", "tanh", "maxpool", "avgpool", "minpool", "sumpool",
                      "globalavgpool", "upsample", "batchnorm", "dropout", "flatten", "dense"]
        #expect(LayerRegistry.kinds.map(\.token) == tokens)
        #expect(LayerRegistry.kinds.map(\.identifier) == tokens)
        #expect(LayerRegistry.tokenList == tokens.joined(separator: ", "))
    }

    /// Every declaration is well formed: unique tokens and identifiers, positional arguments
    /// before keyword ones, unique names, a default that names another argument names an
    /// earlier one, and a one-line meaning.
    @Test(arguments: LayerRegistry.kinds)
    func declarationIsWellFormed(kind: LayerKind) {
        #expect(LayerRegistry.kinds.filter { $0.token == kind.token }.count == 1)
        #expect(LayerRegistry.kinds.filter { $0.identifier == kind.identifier }.count == 1)
        let names = kind.arguments.map(\.name)
        #expect(Set(names).count == names.count, "\(kind): duplicate argument names \(names)")
        let firstKeyword = kind.arguments.firstIndex(where: \.isKeyword) ?? kind.arguments.count
        #expect(kind.arguments[firstKeyword...].allSatisfy { $0.isKeyword }, "\(kind): a positional argument after a keyword one")
        let firstOptional = kind.arguments.firstIndex { !$0.isRequired } ?? kind.arguments.count
        #expect(kind.arguments[firstOptional...].allSatisfy { !$0.isRequired }, "\(kind): a required argument after an optional one")
        for (index, argument) in kind.arguments.enumerated() {
            #expect(!argument.placeholder.isEmpty && !argument.wording.isEmpty)
            if case let .sameAs(other) = argument.default {
                #expect(names[..<index].contains(other), "\(kind): '\(argument.name)' defaults to '\(other)', not declared before it")
            }
        }
        #expect(!kind.meaning.isEmpty && !kind.meaning.contains("\n"))
    }

    @Test func usageTexts() {
        #expect(LayerRegistry.kinds.map(\.usage)
            == ["conv(C,K[,stride=S][,pad=P][,dilation=D])", "dwconv(K[,mult=M][,stride=S][,pad=P][,dilation=D])",
                "sepconv(C,K[,mult=M][,stride=S][,pad=P][,dilation=D])", "convT(C,K[,stride=S][,pad=P][,outpad=Q])", "relu", "leakyrelu[(A)]", "elu[(A)]", "sigmoid", "tanh",
                "maxpool(K[,stride=S][,pad=P])", "avgpool(K[,stride=S][,pad=P])", "minpool(K[,stride=S][,pad=P])",
                "sumpool(K[,stride=S][,pad=P])", "globalavgpool", "upsample[(S)]", "batchnorm", "dropout(P)", "flatten", "dense(N)"])
    }

    /// Canonical forms: positional arguments, then keyword arguments that differ from their
    /// default (which may be another argument's value), in declaration order.
    @Test(arguments: [("conv(8, 5, pad=2)", "conv(8,5,pad=2)"), ("conv(4,3,pad=1,stride=2)", "conv(4,3,stride=2,pad=1)"),
                      ("conv(4,3,stride=1,pad=0)", "conv(4,3)"), ("maxpool(3,stride=2)", "maxpool(3,stride=2)"),
                      ("maxpool(3,stride=3)", "maxpool(3)"), ("dropout(0.250)", "dropout(0.25)"), ("dropout(0)", "dropout(0.0)"),
                      ("dense(10)", "dense(10)"), ("relu", "relu"), ("flatten", "flatten"),
                      ("maxpool(2,stride=2,pad=0)", "maxpool(2)"), ("avgpool(3,pad=1,stride=1)", "avgpool(3,stride=1,pad=1)"),
                      ("leakyrelu(0.01)", "leakyrelu"), ("leakyrelu", "leakyrelu"), ("leakyrelu(0.2)", "leakyrelu(0.2)"),
                      ("elu(1)", "elu"), ("elu(0.5)", "elu(0.5)"), ("globalavgpool", "globalavgpool"),
                      ("upsample(2)", "upsample"), ("upsample(3)", "upsample(3)")])
    func canonicalForm(text: String, canonical: String) throws {
        let layer = try #require(try ModelSpec(text).layers.first)
        #expect(layer.description == canonical)
        #expect(try ModelSpec(canonical).layers == [layer])
    }

    /// A layer built from a spec gives that spec back (`argumentValues` matches `make`), in
    /// the spec and in execution order.
    @Test(arguments: ["mnist-cnn", "lenet-small", "mlp", "mnist-fast", "vgg-bn", "zoo",
                      "conv(4,3,stride=2,pad=1) relu maxpool(3,stride=2) dropout(0.125) flatten dense(10)"])
    func builtLayersGiveTheirSpecBack(text: String) throws {
        let spec = try ModelSpec(text)
        let network = try Network(spec: spec, inputShape: FeatureShape(channels: 1, height: 28, width: 28), classes: 10)
        #expect(network.layers.map(\.specification) == spec.layers)
        #expect(network.executionOrder.map { spec.layers[$0] } == network.executionLayers.map(\.specification))
    }

    /// The typed initializer checks and completes arguments as the parser does.
    @Test func specificationFromValues() throws {
        let conv = try #require(LayerRegistry.kind(token: "conv"))
        let built = try LayerSpecification(conv, ["filters": .integer(8), "kernel": .integer(5), "pad": .integer(2)])
        #expect(built == (try ModelSpec("conv(8,5,pad=2)").layers[0]))
        #expect(built.description == "conv(8,5,pad=2)")
        let pool = try #require(LayerRegistry.kind(token: "maxpool"))
        #expect(try LayerSpecification(pool, ["kernel": .integer(3)]).arguments == ["kernel": .integer(3), "stride": .integer(3), "pad": .integer(0)])
        let dropout = try #require(LayerRegistry.kind(token: "dropout"))
        #expect(try LayerSpecification(dropout, ["rate": .integer(0)]).description == "dropout(0.0)")
        #expect(throws: LayerArgumentError("the dropout rate must be a number in [0, 1), got 1.0")) {
            try LayerSpecification(dropout, ["rate": .integer(1)])
        }
        for (arguments, message) in [
            (["kernel": .integer(5)], "conv needs the number of filters (conv(filters,kernel,stride=…,pad=…,dilation=…))"),
            (["filters": .integer(8), "kernel": .integer(5), "size": .integer(2)], "unknown argument 'size' (conv(filters,kernel,stride=…,pad=…,dilation=…))"),
            (["filters": .integer(0), "kernel": .integer(5)], "the number of filters must be at least 1, got 0"),
            (["filters": .real(8), "kernel": .integer(5)], "the number of filters must be a whole number, got 8.0"),
        ] as [(LayerArguments, String)] {
            #expect(throws: LayerArgumentError(message)) { try LayerSpecification(conv, arguments) }
        }
    }

    /// The error of parsing `text` and building it on `[1, 28, 28]` images for 10 classes, or
    /// `nil`.
    private func specError(_ text: String) -> String? {
        do {
            _ = try Network(spec: ModelSpec(text), inputShape: FeatureShape(channels: 1, height: 28, width: 28), classes: 10)
            return nil
        } catch {
            return error.description
        }
    }

    /// Sizes are bounded, and digits beyond `Int` are reported as out of range.
    @Test(arguments: [
        ("conv(8,3,pad=1048577) flatten dense(10)", "model spec, column 1, 'conv(8,3,pad=1048577)': pad must be at most 1048576, got 1048577"),
        ("flatten dense(99999999999999999999)", "model spec, column 9, 'dense(99999999999999999999)': the number of units must be at most 1048576, got 99999999999999999999"),
        ("conv(-99999999999999999999,3)", "model spec, column 1, 'conv(-99999999999999999999,3)': the number of filters must be at least 1, got -99999999999999999999"),
        ("conv(1e3,3)", "model spec, column 1, 'conv(1e3,3)': the number of filters must be a whole number, got '1e3'"),
    ])
    func argumentBounds(text: String, message: String) {
        #expect(specError(text) == message)
    }

    /// Optional positional arguments and arguments that do not suit each other.
    @Test(arguments: [
        ("conv(4,3) leakyrelu(0.1,0.2) flatten dense(10)", "model spec, column 11, 'leakyrelu(0.1,0.2)': leakyrelu takes 0 to 1 positional arguments (leakyrelu([slope])), got 2"),
        ("conv(4,3) leakyrelu(1) flatten dense(10)", "model spec, column 11, 'leakyrelu(1)': the negative slope must be a number in [0, 1), got '1'"),
        ("conv(4,3) elu(0) flatten dense(10)", "model spec, column 11, 'elu(0)': alpha must be a number in (0, 100], got '0'"),
        ("conv(4,3) maxpool(2,pad=2) flatten dense(10)", "model spec, column 11, 'maxpool(2,pad=2)': pad=2 is more than half the 2×2 window (at most 1, as in PyTorch)"),
        ("conv(4,3) avgpool(30,pad=1) flatten dense(10)", "model spec, column 11, 'avgpool(30,pad=1)': a 30×30 window with pad=1 does not fit the input [4, 26, 26]"),
        ("flatten globalavgpool dense(10)", "model spec, column 9, 'globalavgpool': global average pooling needs an image [C, H, W] but gets flat features [784]"),
        ("conv(4,3) globalavgpool(2) dense(10)", "model spec, column 11, 'globalavgpool(2)': globalavgpool takes no arguments"),
    ])
    func argumentCombinations(text: String, message: String) {
        #expect(specError(text) == message)
    }

    /// Tensors too large to hold are refused while building, with the token at fault, before
    /// any size is multiplied out.
    @Test(arguments: [
        ("conv(1000,3,pad=100000) flatten dense(10)",
         "model spec, column 1, 'conv(1000,3,pad=100000)': its output [1000, 200026, 200026] would hold more than 2147483648 values (make the layer smaller)"),
        ("flatten dense(1048576) dense(1048576) dense(10)",
         "model spec, column 24, 'dense(1048576)': its weight [1048576, 1048576] would hold more than 2147483648 values (make the layer smaller)"),
    ])
    func tensorSizeLimit(text: String, message: String) {
        #expect(specError(text) == message)
    }

    /// The README's table of layers is the registry's.
    @Test func readmeListsEveryKind() throws {
        let readme = try String(contentsOf: Fixtures.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        for kind in LayerRegistry.kinds {
            #expect(readme.contains("| `\(kind.usage)` | \(kind.meaning) |"), "README lacks the row of \(kind.token)")
        }
    }
}
