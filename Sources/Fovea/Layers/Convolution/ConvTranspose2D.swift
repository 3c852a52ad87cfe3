/// Transposed convolution, as PyTorch's `ConvTranspose2d(C_in, C, K, stride=S, padding=P,
/// output_padding=Q)`: each input pixel stamps its kernels, scaled by its value, onto the output,
/// S pixels apart; the gradient of a convolution with respect to its input, run forward. It
/// upsamples: output `(n − 1)·S − 2P + K + Q` per axis.
///
/// Shapes: x `[N, C_in, H, W]`, weight `[C_in, C, K, K]` (PyTorch's layout), bias `[C]`,
/// y `[N, C, H′, W′]`. Q must be below S, as in PyTorch.
///
/// It runs as its mirror convolution (`mirror`: from `[C, H′, W′]` to `[C_in, H, W]` with the same
/// kernel, stride and padding, whose weight `[C_in, C, K, K]` is this layer's) on the im2col
/// GEMMs, with the roles swapped:
/// - forward: y = the mirror's input gradient of x (`col2im(weightᵀ · x_n)`), plus the bias;
/// - dx = the mirror's forward of dy (without bias);
/// - dW = the mirror's weight gradient with dy as its input and x as its output gradient (with
///   dx, in one pass over dy's im2col matrix: `weightGradientAndForward`);
/// - dBias = Σ dy per channel.
public struct ConvTranspose2D: RegisteredLayer {
    public let mirror: ConvolutionGeometry
    public let outputPadding: Int

    public init(mirror: ConvolutionGeometry, outputPadding: Int) {
        self.mirror = mirror
        self.outputPadding = outputPadding
    }

    public static let token = "convT"
    public static let identifier = "convT"
    public static let meaning = "transposed convolution to C channels, K×K, stride S, padding P; output (n − 1)·S − 2P + K + Q (Q < S)"
    public static let arguments: [LayerArgument] = [
        .positional("filters", placeholder: "C", .size(atLeast: 1), describedAs: "the number of filters"),
        .positional("kernel", placeholder: "K", .size(atLeast: 1), describedAs: "the kernel size"),
        .keyword("stride", placeholder: "S", .size(atLeast: 1), default: .integer(1), describedAs: "stride"),
        .keyword("pad", placeholder: "P", .size(atLeast: 0), default: .integer(0), describedAs: "pad"),
        .keyword("outpad", placeholder: "Q", .size(atLeast: 0), default: .integer(0), describedAs: "outpad"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> ConvTranspose2D {
        try input.requireImage(for: "a transposed convolution")
        let filters = arguments.integer("filters"), kernel = arguments.integer("kernel")
        let stride = arguments.integer("stride"), padding = arguments.integer("pad"), outputPadding = arguments.integer("outpad")
        guard outputPadding < stride else {
            throw .inconsistent("outpad=\(outputPadding) must be below the stride \(stride), as in PyTorch")
        }
        let shape = input.shape
        // Sizes up to 2²⁰ each: these stay far from overflow.
        let height = (shape.height - 1) * stride - 2 * padding + kernel + outputPadding
        let width = (shape.width - 1) * stride - 2 * padding + kernel + outputPadding
        guard height > 0, width > 0,
              let mirror = ConvolutionGeometry(input: FeatureShape(channels: filters, height: height, width: width), outputChannels: shape.channels,
                                               kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding),
              mirror.outputHeight == shape.height, mirror.outputWidth == shape.width else {
            throw .inconsistent("a \(kernel)×\(kernel) kernel with stride=\(stride) and pad=\(padding) gives no output on \(shape) (the padding eats it)")
        }
        try TensorSize.require([filters, height, width], tensor: "output")
        try TensorSize.require([shape.channels, filters, kernel, kernel], tensor: "weight")
        return ConvTranspose2D(mirror: mirror, outputPadding: outputPadding)
    }

    public var argumentValues: LayerArguments {
        ["filters": .integer(mirror.inputChannels), "kernel": .integer(mirror.kernelHeight), "stride": .integer(mirror.stride),
         "pad": .integer(mirror.padding), "outpad": .integer(outputPadding)]
    }

    private var im2col: Im2ColConvolution { Im2ColConvolution(geometry: mirror) }
    public var inputShape: FeatureShape { mirror.outputShape }
    public var outputShape: FeatureShape { FeatureShape(channels: mirror.inputChannels, height: mirror.height, width: mirror.width) }
    public var outputSizeFormula: String? {
        func axis(_ n: Int, _ result: Int) -> String {
            "(\(n) − 1)·\(mirror.stride) − 2·\(mirror.padding) + \(mirror.kernelHeight) + \(outputPadding) = \(result)"
        }
        return mirror.outputHeight == mirror.outputWidth && mirror.height == mirror.width
            ? "H = W: " + axis(mirror.outputHeight, mirror.height)
            : "H: " + axis(mirror.outputHeight, mirror.height) + "; W: " + axis(mirror.outputWidth, mirror.width)
    }
    /// He's fan-in for a transposed convolution: the input values each output sums, on average
    /// `C_in · K² / S²`.
    public var parameterShapes: [ParameterShape] {
        let g = mirror
        let fanIn = max(1, g.outputChannels * g.kernelHeight * g.kernelWidth / (g.stride * g.stride))
        return [ParameterShape(name: "weight", shape: [g.outputChannels, g.inputChannels, g.kernelHeight, g.kernelWidth], decays: true,
                               initialization: .scaledNormal(fanIn: fanIn)),
                ParameterShape(name: "bias", shape: [g.inputChannels], decays: false, initialization: .zeros)]
    }
    public var multiplyAccumulates: Int { mirror.outputCount * mirror.patchSize }
    public func scratchCount(batch: Int) -> Int { im2col.scratchCount(batch: batch) }
    public func packedACount(batch: Int) -> Int { im2col.packedACount(batch: batch) }

    private var biasOffset: Int { mirror.outputChannels * mirror.patchSize }

    public func forward(_ pass: LayerForward) {
        im2col.inputGradient(dOutput: pass.input, dInput: pass.output, batch: pass.batch, weight: pass.parameters, scratch: pass.scratch,
                             gemm: pass.gemm)
        let bias = pass.parameters + biasOffset, plane = mirror.height * mirror.width
        for n in 0 ..< pass.batch {
            for c in 0 ..< mirror.inputChannels {
                let y = pass.output + (n * mirror.inputChannels + c) * plane
                Elementwise.affine(y, y, count: plane, scale: 1, shift: bias[c])
            }
        }
    }

    /// The backward pass reads the input, the output gradient and the cache, never the output
    /// (so an activation after it can run in place).
    public var backwardReadsOutput: Bool { false }

    public func backward(_ pass: LayerBackward) {
        Im2ColConvolution.channelSums(pass.dOutput, channels: mirror.inputChannels, plane: mirror.height * mirror.width, batch: pass.batch,
                                      into: pass.dParameters + biasOffset)
        if let dInput = pass.dInput {
            im2col.weightGradientAndForward(input: pass.dOutput, dOutput: pass.input, batch: pass.batch, dWeight: pass.dParameters,
                                            output: dInput, weight: pass.parameters, scratch: pass.scratch, gemm: pass.gemm)
        } else {
            im2col.weightGradient(input: pass.dOutput, dOutput: pass.input, batch: pass.batch, dWeight: pass.dParameters,
                                  scratch: pass.scratch, gemm: pass.gemm)
        }
    }
}
