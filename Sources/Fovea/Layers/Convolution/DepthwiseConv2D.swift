/// Depthwise convolution, as Keras's `DepthwiseConv2D` and PyTorch's `Conv2d(C, C·M, K,
/// groups=C)`: each input channel is convolved with its own M kernels, none mixing channels.
///
/// Shapes: x `[N, C, H, W]`, weight `[C·M, 1, K, K]` (PyTorch's layout: output channel
/// `c·M + m` is kernel m of input channel c), bias `[C·M]`, y `[N, C·M, P, Q]` with P and Q as
/// for `conv` (stride, padding including `same`, dilation). Parameters: `C·M·K² + C·M` (Keras's
/// count).
///
/// With stride 1 each channel runs direct (below, "stride 1, direct": every tap one long vector
/// operation over the zero-padded plane). Otherwise each channel runs as a one-channel `Conv2D`
/// (`channelConvolution`: 1 channel in, M out, on the im2col GEMM): its planes of the whole shard
/// are gathered into scratch, convolved as one batch, and the outputs scattered back, the
/// backward pass likewise. Weight and bias gradients are the channel's own.
public struct DepthwiseConv2D: RegisteredLayer {
    public let input: FeatureShape
    public let multiplier: Int
    /// Whether the layer adds a bias (a `sepconv`'s depthwise step does not, as in Keras).
    public let hasBias: Bool
    /// One input channel's convolution: `[N, 1, H, W]` → `[N, M, P, Q]`.
    public let channelConvolution: Conv2D

    public init(input: FeatureShape, channelConvolution: Conv2D, hasBias: Bool = true) {
        self.input = input
        self.channelConvolution = channelConvolution
        multiplier = channelConvolution.geometry.outputChannels
        self.hasBias = hasBias
    }

    public static let token = "dwconv"
    public static let identifier = "dwconv"
    public static let meaning = "depthwise: M filters of K×K per input channel, C·M channels out (stride, pad, dilation as conv)"
    public static let arguments: [LayerArgument] = [
        .positional("kernel", placeholder: "K", .size(atLeast: 1), describedAs: "the kernel size"),
    ] + windowArguments

    /// The arguments after the kernel size that `dwconv` and `sepconv` share with `conv`.
    static let windowArguments: [LayerArgument] = [
        .keyword("mult", placeholder: "M", .size(atLeast: 1), default: .integer(1), describedAs: "the depth multiplier"),
        .keyword("stride", placeholder: "S", .size(atLeast: 1), default: .integer(1), describedAs: "stride"),
        .keyword("pad", placeholder: "P", Conv2D.paddingType, default: .integer(0), describedAs: "pad"),
        .keyword("dilation", placeholder: "D", .size(atLeast: 1), default: .integer(1), describedAs: "dilation"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> DepthwiseConv2D {
        try make(arguments, input: input, hasBias: true, layer: "a depthwise convolution")
    }

    /// The depthwise step for `arguments` (`kernel` and `windowArguments`) on `input`.
    static func make(_ arguments: LayerArguments, input: LayerInput, hasBias: Bool, layer: String) throws(LayerBuildError) -> DepthwiseConv2D {
        try input.requireImage(for: layer)
        var channel = arguments
        channel["filters"] = arguments["mult"]
        channel["mult"] = nil
        let shape = input.shape
        do {
            // Run once per channel with this layer's one cache: it cannot keep patches there.
            let convolution = try Conv2D.make(channel, input: LayerInput(shape: FeatureShape(channels: 1, height: shape.height, width: shape.width),
                                                                         isImage: true), keepsPatches: false)
            let layer = DepthwiseConv2D(input: shape, channelConvolution: convolution, hasBias: hasBias)
            try TensorSize.require([shape.channels, layer.multiplier, convolution.geometry.outputPixels], tensor: "output")
            return layer
        } catch let .doesNotFit(window, _) {
            throw .doesNotFit(window, input: shape)
        }
    }

    public var argumentValues: LayerArguments {
        var values = channelConvolution.argumentValues
        values["mult"] = values["filters"]
        values["filters"] = nil
        return values
    }

    private var g: ConvolutionGeometry { channelConvolution.geometry }
    public var inputShape: FeatureShape { input }
    public var outputShape: FeatureShape {
        FeatureShape(channels: input.channels * multiplier, height: g.outputHeight, width: g.outputWidth)
    }
    public var outputSizeFormula: String? { channelConvolution.outputSizeFormula }
    public var parameterShapes: [ParameterShape] {
        [ParameterShape(name: "weight", shape: [input.channels * multiplier, 1, g.kernelHeight, g.kernelWidth], decays: true,
                        initialization: .scaledNormal(fanIn: g.kernelHeight * g.kernelWidth))]
            + (hasBias ? [ParameterShape(name: "bias", shape: [input.channels * multiplier], decays: false, initialization: .zeros)] : [])
    }
    public var multiplyAccumulates: Int { input.channels * g.outputCount * g.patchSize }

    /// Floats of one channel's kernels and biases, `M·K² + M`, as `channelConvolution` reads them.
    private var channelParameterCount: Int { multiplier * g.patchSize + multiplier }

    /// Where a pass keeps one channel's gathered values in scratch.
    private struct ChannelScratch {
        /// `[N, 1, H, W]`, `[N, M, P, Q]` (output or its gradient), `[N, 1, H, W]` (input gradient).
        let x, y, dx: UnsafeMutablePointer<Float>
        /// The channel's kernels and biases, and their gradients.
        let parameters, dParameters: UnsafeMutablePointer<Float>
        /// The channel convolution's own scratch.
        let inner: UnsafeMutablePointer<Float>
    }

    private func regions(batch: Int) -> [Int] {
        [batch * g.inputCount, batch * g.outputCount, batch * g.inputCount, channelParameterCount, channelParameterCount].map(alignedFloatCount)
    }

    private func channelScratch(_ scratch: UnsafeMutablePointer<Float>, batch: Int) -> ChannelScratch {
        let sizes = regions(batch: batch)
        var offsets: [Int] = [], total = 0
        for size in sizes {
            offsets.append(total)
            total += size
        }
        return ChannelScratch(x: scratch + offsets[0], y: scratch + offsets[1], dx: scratch + offsets[2], parameters: scratch + offsets[3],
                              dParameters: scratch + offsets[4], inner: scratch + total)
    }

    public func scratchCount(batch: Int) -> Int {
        if g.stride == 1 { return strideOneScratch }
        return regions(batch: batch).reduce(0, +) + channelConvolution.scratchCount(batch: batch)
    }
    public func packedACount(batch: Int) -> Int { channelConvolution.packedACount(batch: batch) }
    public func cacheCount(batch: Int) -> Int { channelConvolution.cacheCount(batch: batch) }

    /// Copies channel c's planes of every sample between `[N, channels, plane]` and `[N, 1·or·M, plane]`.
    private func gather(_ source: UnsafePointer<Float>, channels: Int, channel c: Int, planes: Int, plane: Int, batch: Int,
                        into destination: UnsafeMutablePointer<Float>) {
        for n in 0 ..< batch {
            (destination + n * planes * plane).update(from: source + (n * channels + c * planes) * plane, count: planes * plane)
        }
    }

    private func scatter(_ source: UnsafePointer<Float>, channels: Int, channel c: Int, planes: Int, plane: Int, batch: Int,
                         into destination: UnsafeMutablePointer<Float>) {
        for n in 0 ..< batch {
            (destination + (n * channels + c * planes) * plane).update(from: source + n * planes * plane, count: planes * plane)
        }
    }

    /// Channel c's kernels `[M, 1, K, K]` and biases `[M]` side by side, as a `Conv2D` reads them.
    private func loadParameters(_ parameters: UnsafePointer<Float>, channel c: Int, into local: UnsafeMutablePointer<Float>) {
        let kernels = multiplier * g.patchSize
        local.update(from: parameters + c * kernels, count: kernels)
        if hasBias {
            (local + kernels).update(from: parameters + input.channels * kernels + c * multiplier, count: multiplier)
        } else {
            (local + kernels).update(repeating: 0, count: multiplier)
        }
    }

    public func forward(_ pass: LayerForward) {
        if g.stride == 1 {
            strideOneForward(pass)
            return
        }
        let s = channelScratch(pass.scratch, batch: pass.batch)
        let plane = input.height * input.width, outputPlane = g.outputPixels
        for c in 0 ..< input.channels {
            gather(pass.input, channels: input.channels, channel: c, planes: 1, plane: plane, batch: pass.batch, into: s.x)
            loadParameters(pass.parameters, channel: c, into: s.parameters)
            channelConvolution.forward(LayerForward(input: s.x, output: s.y, batch: pass.batch, parameters: s.parameters, state: pass.state,
                                                    cache: pass.cache, scratch: s.inner, gemm: pass.gemm, training: pass.training,
                                                    random: pass.random, firstPosition: pass.firstPosition))
            scatter(s.y, channels: outputShape.channels, channel: c, planes: multiplier, plane: outputPlane, batch: pass.batch, into: pass.output)
        }
    }

    public func backward(_ pass: LayerBackward) {
        if g.stride == 1 {
            strideOneBackward(pass)
            return
        }
        let s = channelScratch(pass.scratch, batch: pass.batch)
        let plane = input.height * input.width, outputPlane = g.outputPixels, kernels = multiplier * g.patchSize
        for c in 0 ..< input.channels {
            gather(pass.input, channels: input.channels, channel: c, planes: 1, plane: plane, batch: pass.batch, into: s.x)
            gather(pass.dOutput, channels: outputShape.channels, channel: c, planes: multiplier, plane: outputPlane, batch: pass.batch, into: s.y)
            loadParameters(pass.parameters, channel: c, into: s.parameters)
            channelConvolution.backward(LayerBackward(input: s.x, output: s.y, dOutput: s.y, dInput: pass.dInput == nil ? nil : s.dx,
                                                      batch: pass.batch, parameters: s.parameters, state: pass.state,
                                                      dParameters: s.dParameters, cache: pass.cache, scratch: s.inner, gemm: pass.gemm))
            (pass.dParameters + c * kernels).update(from: s.dParameters, count: kernels)
            if hasBias { (pass.dParameters + input.channels * kernels + c * multiplier).update(from: s.dParameters + kernels, count: multiplier) }
            if let dInput = pass.dInput {
                scatter(s.dx, channels: input.channels, channel: c, planes: 1, plane: plane, batch: pass.batch, into: dInput)
            }
        }
    }

    // MARK: stride 1, direct

    // With stride 1 every tap adds the padded plane, shifted, to the output. The plane is copied
    // into a zero-padded one in scratch, and the output computed over whole padded rows
    // (`paddedWidth` wide, the columns past Q discarded), so that each tap is one long
    // contiguous axpy (`i` from 0 to P·paddedWidth) instead of short row pieces with scalar tails.
    // Taps D apart read rows and columns D apart of the padded plane.

    private var paddedHeight: Int { g.height + g.paddingTop + g.paddingBottom }
    private var paddedWidth: Int { g.width + g.paddingLeft + g.paddingRight }
    /// The padded plane, with room for the last tap's reach past its end.
    private var paddedCount: Int { paddedHeight * paddedWidth + (g.kernelWidth - 1) * g.dilation + 16 }
    /// The output over whole padded rows.
    private var wideCount: Int { g.outputHeight * paddedWidth }
    private var strideOneScratch: Int { 2 * alignedFloatCount(paddedCount) + alignedFloatCount(wideCount) }

    /// The sample's channel plane `[H, W]` into the middle of the zeroed padded plane.
    private func pad(_ plane: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        padded.update(repeating: 0, count: paddedCount)
        for h in 0 ..< g.height {
            (padded + (h + g.paddingTop) * paddedWidth + g.paddingLeft).update(from: plane + h * g.width, count: g.width)
        }
    }

    /// Offset of tap (r, s) in the padded plane.
    @inline(__always)
    private func tapOffset(_ r: Int, _ s: Int) -> Int { r * g.dilation * paddedWidth + s * g.dilation }

    /// `wide[i] = bias + Σ_rs w[r, s] · padded[i + offset(r, s)]`, then its first Q columns to y.
    private func strideOneForward(_ pass: LayerForward) {
        let padded = pass.scratch, wide = pass.scratch + 2 * alignedFloatCount(paddedCount)
        let kernels = input.channels * multiplier * g.patchSize
        let plane = g.height * g.width, outputPlane = g.outputPixels, outputChannels = input.channels * multiplier
        for n in 0 ..< pass.batch {
            for c in 0 ..< input.channels {
                pad(pass.input + (n * input.channels + c) * plane, into: padded)
                for m in 0 ..< multiplier {
                    let o = c * multiplier + m
                    let w = pass.parameters + o * g.patchSize
                    wide.update(repeating: hasBias ? pass.parameters[kernels + o] : 0, count: wideCount)
                    for r in 0 ..< g.kernelHeight {
                        for t in 0 ..< g.kernelWidth {
                            DepthwiseConv2D.addScaled(padded + tapOffset(r, t), by: w[r * g.kernelWidth + t], into: wide, count: wideCount)
                        }
                    }
                    let y = pass.output + (n * outputChannels + o) * outputPlane
                    for p in 0 ..< g.outputHeight { (y + p * g.outputWidth).update(from: wide + p * paddedWidth, count: g.outputWidth) }
                }
            }
        }
    }

    /// dy spread over whole padded rows (zeros in the discarded columns); then per tap
    /// `dW[r, s] += Σ_i dy[i] · padded[i + offset]` (one long dot product, `Elementwise.sum`'s
    /// order, samples in order) and `dPadded[i + offset] += w[r, s] · dy[i]`; dx is dPadded
    /// cropped. The bias gradient is Σ dy, samples in order.
    private func strideOneBackward(_ pass: LayerBackward) {
        let padded = pass.scratch, dPadded = pass.scratch + alignedFloatCount(paddedCount)
        let wide = pass.scratch + 2 * alignedFloatCount(paddedCount)
        let kernels = input.channels * multiplier * g.patchSize
        let plane = g.height * g.width, outputPlane = g.outputPixels, outputChannels = input.channels * multiplier
        pass.dParameters.update(repeating: 0, count: parameterCount)
        for n in 0 ..< pass.batch {
            for c in 0 ..< input.channels {
                pad(pass.input + (n * input.channels + c) * plane, into: padded)
                dPadded.update(repeating: 0, count: paddedCount)
                for m in 0 ..< multiplier {
                    let o = c * multiplier + m
                    let w = pass.parameters + o * g.patchSize, dW = pass.dParameters + o * g.patchSize
                    let dy = pass.dOutput + (n * outputChannels + o) * outputPlane
                    if hasBias { pass.dParameters[kernels + o] += Elementwise.sum(dy, count: outputPlane) }
                    wide.update(repeating: 0, count: wideCount)
                    for p in 0 ..< g.outputHeight { (wide + p * paddedWidth).update(from: dy + p * g.outputWidth, count: g.outputWidth) }
                    for r in 0 ..< g.kernelHeight {
                        for t in 0 ..< g.kernelWidth {
                            let offset = tapOffset(r, t)
                            dW[r * g.kernelWidth + t] += Elementwise.sumOfProducts(wide, padded + offset, count: wideCount, shiftedBy: 0, scaledBy: 1)
                            DepthwiseConv2D.addScaled(wide, by: w[r * g.kernelWidth + t], into: dPadded + offset, count: wideCount)
                        }
                    }
                }
                guard let dInput = pass.dInput else { continue }
                let dx = dInput + (n * input.channels + c) * plane
                for h in 0 ..< g.height {
                    (dx + h * g.width).update(from: dPadded + (h + g.paddingTop) * paddedWidth + g.paddingLeft, count: g.width)
                }
            }
        }
    }

    /// `y[i] += a · x[i]`, 16 lanes at a time, the tail value by value with the same operations.
    @inline(__always)
    private static func addScaled(_ x: UnsafePointer<Float>, by a: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(VectorLanes.load(y + i) + VectorLanes.load(x + i) * a, y + i)
            i &+= 16
        }
        while i < count {
            y[i] += x[i] * a
            i &+= 1
        }
    }
}
