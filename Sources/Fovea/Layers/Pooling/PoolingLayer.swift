/// What the pooling kinds (`maxpool`, `minpool`, `sumpool`, `avgpool`) share: their arguments
/// `(K[,stride=S][,pad=P])`, their geometry and shapes. Each kind, in its own file, adds its
/// token, its meaning and its forward/backward pair.
public protocol PoolingLayer: RegisteredLayer {
    var geometry: PoolingGeometry { get }
    init(geometry: PoolingGeometry)
    /// How errors name the kind: "max pooling".
    static var title: String { get }
}

extension PoolingLayer {
    public static var arguments: [LayerArgument] { PoolingGeometry.arguments }

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Self {
        Self(geometry: try PoolingGeometry.make(arguments, input: input, for: title))
    }

    /// A `K × K` pool moved by `stride` with `padding` on `input`; `nil` where
    /// `PoolingGeometry` refuses the sizes.
    public init?(input: FeatureShape, kernel: Int, stride: Int, padding: Int = 0) {
        guard let geometry = PoolingGeometry(input: input, kernel: kernel, stride: stride, padding: padding) else { return nil }
        self.init(geometry: geometry)
    }

    public var argumentValues: LayerArguments { geometry.argumentValues }
    public var inputShape: FeatureShape { geometry.input }
    public var outputShape: FeatureShape { geometry.output }
    /// Pooling gathers values without an activation of its own: the walk for the initialisation
    /// gain goes on past it.
    public var initializationRole: InitializationRole { .transparent }

    public var outputSizeFormula: String? {
        OutputSizeFormula.slidingWindow(input: geometry.input, output: geometry.output, kernel: geometry.kernel,
                                        stride: geometry.stride, padding: geometry.padding)
    }

    /// Planes of a shard of `batch` samples, `N · C`: the pooling kernels run plane by plane.
    func planes(_ batch: Int) -> Int { batch * geometry.input.channels }
}
