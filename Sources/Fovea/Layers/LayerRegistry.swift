/// Every kind of layer a model spec can name, one line each, in the order help texts and the
/// "unknown layer" message list them. Adding a kind: a file with a `RegisteredLayer` beside its
/// forward/backward pair, and its line here.
public enum LayerRegistry {
    public static let kinds: [LayerKind] = [
        LayerKind(Conv2D.self),
        LayerKind(DepthwiseConv2D.self),
        LayerKind(SeparableConv2D.self),
        LayerKind(ConvTranspose2D.self),
        LayerKind(ReLU.self),
        LayerKind(LeakyReLU.self),
        LayerKind(ELU.self),
        LayerKind(Sigmoid.self),
        LayerKind(Tanh.self),
        LayerKind(MaxPool2D.self),
        LayerKind(AvgPool2D.self),
        LayerKind(MinPool2D.self),
        LayerKind(SumPool2D.self),
        LayerKind(GlobalAvgPool.self),
        LayerKind(Upsample2D.self),
        LayerKind(BatchNorm.self),
        LayerKind(Dropout.self),
        LayerKind(Flatten.self),
        LayerKind(Dense.self),
    ]

    /// The kind a spec names by `token`.
    public static func kind(token: String) -> LayerKind? {
        kinds.first { $0.token == token }
    }

    /// "conv, relu, leakyrelu, …, flatten, dense"
    public static var tokenList: String { kinds.map(\.token).joined(separator: ", ") }
}
