import Testing
import Fovea

/// Depthwise and depthwise-separable convolutions: by hand, Keras's parameter counts, against a
/// per-channel reference and by central differences.
@Suite struct DepthwiseConvolutionTests {
    /// Channel 0 (1 … 9) with a 2 × 2 kernel of ones, channel 1 (all ones) with [1, 0; 0, −1] and
    /// bias 10: each channel alone.
    @Test func byHand() throws {
        let x = (1 ... 9).map(Float.init) + [Float](repeating: 1, count: 9)
        let y = try LayerFunction("dwconv(2)").forward(x, shape: [2, 3, 3], parameters: [[1, 1, 1, 1, 1, 0, 0, -1], [0, 10]])
        #expect(y.shape == [2, 2, 2])
        #expect(y.values == [12, 16, 24, 28, 10, 10, 10, 10])
        // Depth multiplier 2 on one channel: kernels 2 and 3 (1 × 1), output channels 2x and 3x.
        let m = try LayerFunction("dwconv(1,mult=2)").forward([1, 2, 3, 4], shape: [1, 2, 2], parameters: [[2, 3], [0, 0]])
        #expect(m.shape == [2, 2, 2] && m.values == [2, 4, 6, 8, 3, 6, 9, 12])
    }

    /// Keras's counts: DepthwiseConv2D K²·C·M + C·M; SeparableConv2D K²·C·M + C·M·F + F.
    @Test func parameterCounts() throws {
        let network = try Network(spec: ModelSpec("conv(8,3,pad=1) dwconv(3,mult=2,pad=same) sepconv(16,3,mult=2) flatten dense(10)"),
                                  inputShape: FeatureShape(channels: 1, height: 9, width: 9), classes: 10)
        #expect(network.layers.map(\.parameterCount) == [80, 9 * 8 * 2 + 16, 9 * 16 * 2 + 16 * 2 * 16 + 16, 0, 16 * 7 * 7 * 10 + 10])
        #expect(network.layers[1].outputShape == FeatureShape(channels: 16, height: 9, width: 9))
        #expect(network.layers[2].parameterShapes.map(\.name) == ["depthwise_weight", "pointwise_weight", "bias"])
        #expect(try ModelSpec("dwconv(3,mult=1,stride=1,pad=valid,dilation=1) sepconv(4,3,mult=1)").description == "dwconv(3) sepconv(4,3)")
    }

    struct Case: Sendable, CustomStringConvertible {
        let spec: String
        let channels, height, width: Int
        var description: String { "\(spec) on \(channels)x\(height)x\(width)" }
    }

    static let cases = [
        Case(spec: "dwconv(3,pad=1)", channels: 3, height: 7, width: 6),
        Case(spec: "dwconv(3,mult=2,stride=2,pad=same)", channels: 2, height: 9, width: 8),
        Case(spec: "dwconv(2,mult=3,dilation=2)", channels: 2, height: 6, width: 7),
        Case(spec: "sepconv(5,3,pad=1)", channels: 3, height: 6, width: 5),
        Case(spec: "sepconv(4,3,mult=2,stride=2,pad=same,dilation=2)", channels: 2, height: 9, width: 9),
    ]

    /// Forward against a reference built from `ReferenceKernels.convolve`: each input channel
    /// convolved alone with its M kernels, then (for sepconv) the 1 × 1 step.
    @Test(arguments: cases)
    func matchesReference(_ c: Case) throws {
        let batch = 2, shape = [batch, c.channels, c.height, c.width]
        let (layer, _) = try LayerFunction(c.spec).layer(for: shape)
        let depthwise = try #require((layer as? DepthwiseConv2D) ?? (layer as? SeparableConv2D)?.depthwise)
        let g = depthwise.channelConvolution.geometry, m = depthwise.multiplier
        let x = testValues(batch * layer.inputShape.count, seed: 51), p = testValues(layer.parameterCount, seed: 52)
        let fast = LayerHarness(layer: layer, batch: batch).forward(x, p)
        let middleChannels = c.channels * m
        var middle = [Float](repeating: 0, count: batch * middleChannels * g.outputPixels)
        let zeros = [Float](repeating: 0, count: m)
        for n in 0 ..< batch {
            for channel in 0 ..< c.channels {
                let bias = depthwise.hasBias ? Array(p[middleChannels * g.patchSize + channel * m ..< middleChannels * g.patchSize + (channel + 1) * m]) : zeros
                x.withUnsafeBufferPointer { x in
                    p.withUnsafeBufferPointer { p in
                        bias.withUnsafeBufferPointer { b in
                            middle.withUnsafeMutableBufferPointer { y in
                                ReferenceKernels.convolve(x: x.baseAddress! + (n * c.channels + channel) * c.height * c.width,
                                                          weight: p.baseAddress! + channel * m * g.patchSize, bias: b.baseAddress!,
                                                          y: y.baseAddress! + (n * middleChannels + channel * m) * g.outputPixels, geometry: g)
                            }
                        }
                    }
                }
            }
        }
        guard let separable = layer as? SeparableConv2D else {
            expectClose(fast, middle, atol: 1e-4, rtol: 1e-4, "\(c)")
            return
        }
        let pg = separable.pointwise.geometry
        let slow = referenceConvolution(middle, p, offset: separable.depthwise.parameterCount, batch: batch, geometry: pg)
        expectClose(fast, slow, atol: 1e-4, rtol: 1e-4, "\(c)")
    }

    @Test(arguments: cases)
    func gradientCheck(_ c: Case) throws {
        let batch = 2
        let (layer, _) = try LayerFunction(c.spec).layer(for: [batch, c.channels, c.height, c.width])
        GradientCheckTests().check(layer, batch: batch, x: testValues(batch * layer.inputShape.count, seed: 53),
                                   parameters: testValues(layer.parameterCount, seed: 54), c.description)
    }
}
