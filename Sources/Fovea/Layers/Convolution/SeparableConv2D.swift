/// Depthwise-separable convolution, as Keras's `SeparableConv2D`: a depthwise convolution
/// (M kernels of K × K per input channel, no bias) then a 1 × 1 pointwise convolution to C
/// channels, with a bias.
///
/// Shapes: x `[N, C_in, H, W]`, `depthwise_weight [C_in·M, 1, K, K]`,
/// `pointwise_weight [C, C_in·M, 1, 1]`, `bias [C]`, y `[N, C, P, Q]` (P and Q as for `conv`).
/// Parameters: `K²·C_in·M + C_in·M·C + C` (Keras's count). The depthwise output
/// `[N, C_in·M, P, Q]` is kept in the cache for the pointwise step's backward pass; each step
/// runs as its own layer (`DepthwiseConv2D`, `Conv2D`), forward and backward.
public struct SeparableConv2D: RegisteredLayer {
    public let depthwise: DepthwiseConv2D
    public let pointwise: Conv2D

    public init(depthwise: DepthwiseConv2D, pointwise: Conv2D) {
        self.depthwise = depthwise
        self.pointwise = pointwise
    }

    public static let token = "sepconv"
    public static let identifier = "sepconv"
    public static let meaning = "depthwise K×K (M per channel, no bias) then 1×1 to C filters (stride, pad, dilation as conv)"
    public static let arguments: [LayerArgument] = [
        .positional("filters", placeholder: "C", .size(atLeast: 1), describedAs: "the number of filters"),
        .positional("kernel", placeholder: "K", .size(atLeast: 1), describedAs: "the kernel size"),
    ] + DepthwiseConv2D.windowArguments

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> SeparableConv2D {
        var depthwiseArguments = arguments
        depthwiseArguments["filters"] = nil
        let depthwise = try DepthwiseConv2D.make(depthwiseArguments, input: input, hasBias: false, layer: "a separable convolution")
        let pointwise = try Conv2D.make(["filters": arguments["filters"] ?? .integer(1), "kernel": .integer(1), "stride": .integer(1),
                                         "pad": .integer(0), "dilation": .integer(1)],
                                        input: LayerInput(shape: depthwise.outputShape, isImage: true))
        return SeparableConv2D(depthwise: depthwise, pointwise: pointwise)
    }

    public var argumentValues: LayerArguments {
        var values = depthwise.argumentValues
        values["filters"] = .integer(pointwise.geometry.outputChannels)
        return values
    }

    public var inputShape: FeatureShape { depthwise.inputShape }
    public var outputShape: FeatureShape { pointwise.outputShape }
    public var outputSizeFormula: String? { depthwise.outputSizeFormula }
    public var parameterShapes: [ParameterShape] {
        let d = depthwise.parameterShapes[0], p = pointwise.parameterShapes
        return [ParameterShape(name: "depthwise_weight", shape: d.shape, decays: true, initialization: d.initialization),
                ParameterShape(name: "pointwise_weight", shape: p[0].shape, decays: true, initialization: p[0].initialization), p[1]]
    }
    public var multiplyAccumulates: Int { depthwise.multiplyAccumulates + pointwise.multiplyAccumulates }

    /// The depthwise output `[batch, C_in·M, P, Q]`, then each step's own cache (both are kept
    /// from the forward pass to the backward pass, so they cannot share one region).
    public func cacheCount(batch: Int) -> Int {
        alignedFloatCount(batch * depthwise.outputShape.count) + alignedFloatCount(depthwise.cacheCount(batch: batch))
            + pointwise.cacheCount(batch: batch)
    }

    /// Where the depthwise step's cache starts, and then the pointwise step's, in this layer's.
    private func stepCaches(_ cache: UnsafeMutablePointer<Float>, batch: Int) -> (depthwise: UnsafeMutablePointer<Float>, pointwise: UnsafeMutablePointer<Float>) {
        let depthwiseCache = cache + alignedFloatCount(batch * depthwise.outputShape.count)
        return (depthwiseCache, depthwiseCache + alignedFloatCount(depthwise.cacheCount(batch: batch)))
    }
    /// The depthwise output's gradient (in evaluation, the depthwise output itself), then either
    /// step's scratch.
    public func scratchCount(batch: Int) -> Int {
        alignedFloatCount(batch * depthwise.outputShape.count) + max(depthwise.scratchCount(batch: batch), pointwise.scratchCount(batch: batch))
    }
    public func packedACount(batch: Int) -> Int { max(depthwise.packedACount(batch: batch), pointwise.packedACount(batch: batch)) }

    private var depthwiseCount: Int { depthwise.parameterCount }

    public func forward(_ pass: LayerForward) {
        let rest = alignedFloatCount(pass.batch * depthwise.outputShape.count), caches = stepCaches(pass.cache, batch: pass.batch)
        // Training keeps the depthwise output for the backward pass, in the cache; evaluation
        // runs on a workspace without caches, and puts it in scratch.
        let (middle, scratch) = pass.training ? (pass.cache, pass.scratch) : (pass.scratch, pass.scratch + rest)
        depthwise.forward(LayerForward(input: pass.input, output: middle, batch: pass.batch, parameters: pass.parameters, state: pass.state,
                                       cache: caches.depthwise, scratch: scratch, gemm: pass.gemm, training: pass.training,
                                       random: pass.random, firstPosition: pass.firstPosition))
        pointwise.forward(LayerForward(input: middle, output: pass.output, batch: pass.batch, parameters: pass.parameters + depthwiseCount,
                                       state: pass.state, cache: caches.pointwise, scratch: scratch, gemm: pass.gemm,
                                       training: pass.training, random: pass.random, firstPosition: pass.firstPosition))
    }

    public func backward(_ pass: LayerBackward) {
        let rest = alignedFloatCount(pass.batch * depthwise.outputShape.count), caches = stepCaches(UnsafeMutablePointer(mutating: pass.cache), batch: pass.batch)
        let middle = pass.cache, dMiddle = pass.scratch
        pointwise.backward(LayerBackward(input: middle, output: pass.output, dOutput: pass.dOutput, dInput: dMiddle, batch: pass.batch,
                                         parameters: pass.parameters + depthwiseCount, state: pass.state,
                                         dParameters: pass.dParameters + depthwiseCount, cache: caches.pointwise,
                                         scratch: pass.scratch + rest, gemm: pass.gemm))
        depthwise.backward(LayerBackward(input: pass.input, output: middle, dOutput: dMiddle, dInput: pass.dInput, batch: pass.batch,
                                         parameters: pass.parameters, state: pass.state, dParameters: pass.dParameters,
                                         cache: caches.depthwise, scratch: pass.scratch + rest, gemm: pass.gemm))
    }
}
