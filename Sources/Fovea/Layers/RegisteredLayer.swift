/// A kind of layer that a model spec can name: how it is written (`token`, `arguments`), what it
/// means, what its checkpoint tensors are called (`identifier`) and how it is built from its
/// parsed arguments and its input. Each kind declares this in its own file, beside its
/// forward/backward pair, and `LayerRegistry` lists it in one line; the parser, the canonical
/// printer, `Network`, `fovea summary`, `fovea train --help` and the checkpoint tensor names all
/// read it from there.
///
/// The requirements are static because they describe the kind before any layer exists; what
/// depends on the built layer (shapes, parameter and state tensors, initialisation role, a
/// faster execution order) is on `Layer`, where it can use the layer's sizes.
public protocol RegisteredLayer: Layer {
    /// The name in a model spec, e.g. `conv`.
    static var token: String { get }
    /// The kind's part of its checkpoint tensor names, e.g. `conv` in `layer1.conv.weight`.
    /// Files depend on it: never change it for a kind that has parameters or state.
    static var identifier: String { get }
    /// The arguments in the order they are written: the positional ones, then the keyword ones
    /// (default: none).
    static var arguments: [LayerArgument] { get }
    /// What the layer computes, in one line for `fovea train --help` and the README, in terms
    /// of the arguments' placeholders (e.g. "C filters of K×K").
    static var meaning: String { get }
    /// The layer for `arguments` (every declared one is there, defaults filled in, values in
    /// their declared ranges) on `input`; throws if the input does not suit it.
    static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Self
    /// The argument values that rebuild this layer with `make` (default: none); `specification`
    /// is made from them.
    var argumentValues: LayerArguments { get }
}

extension RegisteredLayer {
    public static var arguments: [LayerArgument] { [] }
    public var argumentValues: LayerArguments { LayerArguments() }

    public var specification: LayerSpecification {
        do {
            return try LayerSpecification(LayerKind(Self.self), argumentValues)
        } catch {
            preconditionFailure("\(Self.self).argumentValues do not match \(Self.self).arguments: \(error)")
        }
    }
}

/// What a layer is built on: the per-sample shape of the previous layer's output (or of the
/// images) and whether that is still an image.
public struct LayerInput: Hashable, Sendable {
    /// Per-sample shape `[C, H, W]` (`[C, 1, 1]` for flat features).
    public let shape: FeatureShape
    /// Whether the values are still an image `[C, H, W]` (false after `flatten` or `dense`).
    public let isImage: Bool

    public init(shape: FeatureShape, isImage: Bool) {
        self.shape = shape
        self.isImage = isImage
    }

    /// Throws unless the input is an image; `layer` names the layer in the message ("a
    /// convolution").
    public func requireImage(for layer: String) throws(LayerBuildError) {
        guard isImage else { throw .needsImage(layer: layer, input: shape) }
    }

    /// Throws unless the input is flat, `[C, 1, 1]`; `layer` names the layer in the message ("a
    /// dense layer").
    public func requireFlat(for layer: String) throws(LayerBuildError) {
        guard shape.isFlat else { throw .needsFlatFeatures(layer: layer, input: shape) }
    }
}

/// Why a layer cannot be built on its input. `Network` reports it with the spec token at fault.
public enum LayerBuildError: Error, Equatable, CustomStringConvertible {
    /// The layer works on images, the input is flat features.
    case needsImage(layer: String, input: FeatureShape)
    /// The layer works on flat features, the input is an image.
    case needsFlatFeatures(layer: String, input: FeatureShape)
    /// A window (e.g. "a 30×30 kernel with pad=0") is larger than the input.
    case doesNotFit(String, input: FeatureShape)
    /// A tensor of the layer (its output, a parameter or a state tensor) would hold more than
    /// `TensorSize.limit` values.
    case tooLarge(tensor: String, dimensions: [Int])
    /// Arguments that are each in range but do not suit each other: the sentence that says why
    /// (e.g. padding more than half a pooling window).
    case inconsistent(String)

    public var description: String {
        switch self {
        case let .needsImage(layer, input):
            "\(layer) needs an image [C, H, W] but gets flat features \(input)"
        case let .needsFlatFeatures(layer, input):
            "\(layer) needs flat features but gets \(input) (add 'flatten' before it)"
        case let .doesNotFit(window, input):
            "\(window) does not fit the input \(input)"
        case let .tooLarge(tensor, dimensions):
            "its \(tensor) \(dimensions) would hold more than \(TensorSize.limit) values (make the layer smaller)"
        case let .inconsistent(reason):
            reason
        }
    }
}
