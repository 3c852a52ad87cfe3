/// 2-D convolution (cross-correlation) with zero padding and stride. 3 × 3 stride-1 kernels on
/// enough input channels run as Winograd F(2×2, 3×3) or F(4×4, 3×3) (`WinogradConvolution`,
/// 2.25× or 4× fewer multiply-adds; `ConvolutionGeometry.preferredWinogradTile` chooses); other
/// stride-1 kernels as a direct convolution over the padded image's rows (`DirectConvolution`);
/// the rest as one GEMM per sample with the im2col matrix packed straight from the image, as below.
///
/// Shapes: x `[N, C, H, W]`, weight `[K, C, R, S]`, bias `[K]`, y `[N, K, P, Q]` with
/// `P = floor((H + 2·pad − R) / stride) + 1` (Q likewise).
/// - forward: `y_n[K, PQ] = weight[K, CRS] · col(x_n)[CRS, PQ] + bias`
/// - dWeight: `Σ_n dy_n[K, PQ] · col(x_n)ᵀ[PQ, CRS]` (a correlation of the input with dy),
///   computed transposed as `Σ_n col(x_n) · dy_nᵀ` so that im2col is read along pixel rows
/// - dBias: `Σ_n Σ_pq dy_n`
/// - dx: `col2im(weightᵀ[CRS, K] · dy_n[K, PQ])` (equivalently, the full convolution of dy with
///   the 180°-rotated kernels)
public struct Conv2D: RegisteredLayer {
    /// How the convolution is computed; all five give the same result up to rounding.
    public enum ConvolutionAlgorithm: String, Sendable, CaseIterable {
        /// One GEMM per sample over the implicit im2col matrix.
        case im2col
        /// Direct convolution over flattened rows of the padded image: stride 1, padding below
        /// the kernel size.
        case direct
        /// Winograd F(2×2, 3×3): 3 × 3 kernels, stride 1; 2.25× fewer multiply-adds.
        case winograd2x2
        /// Winograd F(4×4, 3×3): 3 × 3 kernels, stride 1; 4× fewer multiply-adds.
        case winograd4x4
        /// Stride 1 with dilation D > 1: D² undilated convolutions on the input's phases, each
        /// by its own best algorithm. Not chosen by default: each phase is a small image on its
        /// own (zoo's 14 × 14 becomes four 7 × 7), which leaves the GEMMs' tiles half empty;
        /// a dilated 3 × 3 kernel runs as Winograd with every phase's tiles in one GEMM instead,
        /// and other kernels as im2col. Kept as an exact alternative for tests.
        case polyphase
    }

    public let geometry: ConvolutionGeometry
    /// The code the layer runs, with the sizes it precomputes.
    enum Implementation {
        case im2col
        case direct(DirectConvolution)
        case winograd(WinogradConvolution)
        case polyphase(PolyphaseConvolution)
    }
    let implementation: Implementation

    /// Whether a training forward pass on the im2col path keeps its patch matrices in the
    /// layer's cache, so that the backward pass reads them instead of building them again (for
    /// the autoencoder's `conv(64,3,stride=2,pad=1)`, 1.8 MB per shard of 32). On for the
    /// layers a model spec builds (a separable convolution's pointwise step has a cache region
    /// of its own); off where a layer runs one `Conv2D` several times with one cache (depthwise
    /// per channel, polyphase per phase).
    let keepsPatches: Bool

    /// The convolution, by the algorithm its geometry prefers: Winograd where
    /// `preferredWinogradTile` says so, else direct for stride 1 without dilation, else im2col.
    /// `keepsPatches`: see the property.
    public init(geometry: ConvolutionGeometry, samePadding: Bool = false, keepsPatches: Bool = false) {
        self.geometry = geometry
        isSamePadding = samePadding
        self.keepsPatches = keepsPatches
        if let tile = geometry.preferredWinogradTile {
            implementation = .winograd(WinogradConvolution(geometry: geometry, tileSize: tile))
        } else if DirectConvolution.supports(geometry) {
            implementation = .direct(DirectConvolution(geometry: geometry))
        } else {
            implementation = .im2col
        }
    }

    /// The convolution by a given algorithm, or `nil` if the geometry does not allow it
    /// (Winograd needs a 3 × 3 kernel and stride 1, direct stride 1 and padding below the kernel
    /// size). For tests and benchmarks.
    public init?(geometry: ConvolutionGeometry, algorithm: ConvolutionAlgorithm, keepsPatches: Bool = false) {
        self.geometry = geometry
        isSamePadding = false
        self.keepsPatches = keepsPatches
        switch algorithm {
        case .im2col:
            implementation = .im2col
        case .direct:
            guard DirectConvolution.supports(geometry) else { return nil }
            implementation = .direct(DirectConvolution(geometry: geometry))
        case .winograd2x2, .winograd4x4:
            guard geometry.allowsWinograd else { return nil }
            implementation = .winograd(WinogradConvolution(geometry: geometry, tileSize: algorithm == .winograd2x2 ? 2 : 4))
        case .polyphase:
            guard let polyphase = PolyphaseConvolution(geometry: geometry) else { return nil }
            implementation = .polyphase(polyphase)
        }
    }

    public static let token = "conv"
    public static let identifier = "conv"
    public static let meaning = "C filters of K×K taps D apart, zero padding P (same: output ⌈n/S⌉; valid: 0); output ⌊(n + 2P − D(K−1) − 1)/S⌋ + 1"
    public static let arguments: [LayerArgument] = [
        .positional("filters", placeholder: "C", .size(atLeast: 1), describedAs: "the number of filters"),
        .positional("kernel", placeholder: "K", .size(atLeast: 1), describedAs: "the kernel size"),
        .keyword("stride", placeholder: "S", .size(atLeast: 1), default: .integer(1), describedAs: "stride"),
        .keyword("pad", placeholder: "P", paddingType, default: .integer(0), describedAs: "pad"),
        .keyword("dilation", placeholder: "D", .size(atLeast: 1), default: .integer(1), describedAs: "dilation"),
    ]

    /// `pad`: a size, `same` (Keras's and TensorFlow's padding for an output of ⌈n / stride⌉,
    /// split with the odd row and column at the bottom and right) or `valid` (no padding, the
    /// same as 0).
    static let paddingType = LayerArgument.ValueType.integerOrWord(0 ... LayerArgument.largestSize, words: ["same"], aliases: ["valid": 0])

    /// Whether the layer was written with `pad=same` (its geometry holds the padding it means).
    public let isSamePadding: Bool

    /// A kernel on an image input, by the algorithm its geometry prefers.
    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Conv2D {
        try make(arguments, input: input, keepsPatches: true)
    }

    /// `make`, for a layer of its own (`keepsPatches`) or one that another layer runs inside its
    /// passes (not keeping them: see `keepsPatches`).
    static func make(_ arguments: LayerArguments, input: LayerInput, keepsPatches: Bool) throws(LayerBuildError) -> Conv2D {
        try input.requireImage(for: "a convolution")
        let filters = arguments.integer("filters"), kernel = arguments.integer("kernel")
        let (stride, dilation) = (arguments.integer("stride"), arguments.integer("dilation"))
        let same = arguments.word("pad") == "same"
        let geometry = same
            ? ConvolutionGeometry(sameOutputFor: input.shape, outputChannels: filters, kernelHeight: kernel, kernelWidth: kernel,
                                  stride: stride, dilation: dilation)
            : ConvolutionGeometry(input: input.shape, outputChannels: filters, kernelHeight: kernel, kernelWidth: kernel,
                                  stride: stride, padding: arguments.integer("pad"), dilation: dilation)
        guard let geometry else {
            let padding = same ? "same" : "\(arguments.integer("pad"))"
            throw .doesNotFit("a \(kernel)×\(kernel) kernel with pad=\(padding)" + (dilation > 1 ? " and dilation=\(dilation)" : ""), input: input.shape)
        }
        // Before `init` sizes its workspaces from them.
        try TensorSize.require([filters, geometry.outputHeight, geometry.outputWidth], tensor: "output")
        try TensorSize.require([filters, input.shape.channels, kernel, kernel], tensor: "weight")
        return Conv2D(geometry: geometry, samePadding: same, keepsPatches: keepsPatches)
    }

    public var argumentValues: LayerArguments {
        ["filters": .integer(geometry.outputChannels), "kernel": .integer(geometry.kernelHeight),
         "stride": .integer(geometry.stride), "pad": isSamePadding ? .word("same") : .integer(geometry.padding),
         "dilation": .integer(geometry.dilation)]
    }

    /// The algorithm this layer runs.
    public var algorithm: ConvolutionAlgorithm {
        switch implementation {
        case .im2col: .im2col
        case .direct: .direct
        case let .winograd(winograd): winograd.tileSize == 2 ? .winograd2x2 : .winograd4x4
        case .polyphase: .polyphase
        }
    }

    public var inputShape: FeatureShape {
        FeatureShape(channels: geometry.inputChannels, height: geometry.height, width: geometry.width)
    }
    public var outputShape: FeatureShape { geometry.outputShape }
    public var outputSizeFormula: String? { OutputSizeFormula.convolution(geometry) }
    public var parameterShapes: [ParameterShape] {
        let g = geometry
        return [ParameterShape(name: "weight", shape: [g.outputChannels, g.inputChannels, g.kernelHeight, g.kernelWidth], decays: true,
                               initialization: .scaledNormal(fanIn: g.patchSize)),
                ParameterShape(name: "bias", shape: [g.outputChannels], decays: false, initialization: .zeros)]
    }
    public var multiplyAccumulates: Int { geometry.outputCount * geometry.patchSize }

    public func scratchCount(batch: Int) -> Int {
        switch implementation {
        case let .winograd(winograd): winograd.scratchCount
        case let .direct(direct): direct.scratchCount(batch: batch)
        case .im2col: Im2ColConvolution(geometry: geometry).scratchCount(batch: batch)
        case let .polyphase(polyphase): polyphase.scratchCount(batch: batch)
        }
    }

    /// The patch matrices of a training forward pass on the im2col path (see `keepsPatches`).
    public func cacheCount(batch: Int) -> Int {
        guard keepsPatches, case .im2col = implementation else { return 0 }
        return Im2ColConvolution(geometry: geometry).patchCacheCount(batch: batch)
    }

    public func packedACount(batch: Int) -> Int {
        if case let .polyphase(polyphase) = implementation { return polyphase.packedACount(batch: batch) }
        guard case .im2col = implementation else { return 0 }
        return Im2ColConvolution(geometry: geometry).packedACount(batch: batch)
    }

    public func forward(_ pass: LayerForward) {
        let g = geometry
        let weight = pass.parameters
        let bias = pass.parameters + g.outputChannels * g.patchSize
        switch implementation {
        case let .winograd(winograd):
            winograd.forward(input: pass.input, output: pass.output, batch: pass.batch, weight: weight, bias: bias,
                             scratch: pass.scratch, gemm: pass.gemm)
            return
        case let .direct(direct):
            direct.forward(input: pass.input, output: pass.output, batch: pass.batch, weight: weight, bias: bias, scratch: pass.scratch)
            return
        case let .polyphase(polyphase):
            polyphase.forward(pass)
            return
        case .im2col:
            break
        }
        Im2ColConvolution(geometry: g).forward(input: pass.input, output: pass.output, batch: pass.batch, weight: weight, bias: bias,
                                              patches: pass.training && keepsPatches ? pass.cache : nil, scratch: pass.scratch,
                                              gemm: pass.gemm)
    }

    /// The backward pass reads the input, the output gradient and the cache, never the output
    /// (so an activation after it can run in place).
    public var backwardReadsOutput: Bool { false }

    public func backward(_ pass: LayerBackward) {
        let g = geometry
        let weight = pass.parameters
        let dWeight = pass.dParameters
        let dBias = pass.dParameters + g.outputChannels * g.patchSize

        Im2ColConvolution.channelSums(pass.dOutput, channels: g.outputChannels, plane: g.outputPixels, batch: pass.batch, into: dBias)
        switch implementation {
        case let .winograd(winograd):
            winograd.backward(input: pass.input, dOutput: pass.dOutput, dInput: pass.dInput, batch: pass.batch,
                              weight: weight, dWeight: dWeight, scratch: pass.scratch, gemm: pass.gemm)
            return
        case let .direct(direct):
            direct.backward(input: pass.input, dOutput: pass.dOutput, dInput: pass.dInput, batch: pass.batch,
                            weight: weight, dWeight: dWeight, scratch: pass.scratch)
            return
        case let .polyphase(polyphase):
            // Every phase's kernel and bias gradients, added in phase order (replacing the bias
            // sum above).
            polyphase.backward(pass)
            return
        case .im2col:
            break
        }

        let im2col = Im2ColConvolution(geometry: g)
        // Backward follows a training forward pass of the same input, which kept its patches.
        im2col.weightGradient(input: pass.input, dOutput: pass.dOutput, batch: pass.batch, dWeight: dWeight,
                              patches: keepsPatches ? pass.cache : nil, scratch: pass.scratch, gemm: pass.gemm)
        if let dInput = pass.dInput {
            im2col.inputGradient(dOutput: pass.dOutput, dInput: dInput, batch: pass.batch, weight: weight, scratch: pass.scratch,
                                 gemm: pass.gemm)
        }
    }
}
