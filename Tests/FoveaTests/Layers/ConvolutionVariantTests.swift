import Testing
import Fovea

/// Dilated convolutions and Keras's `same` and `valid` padding: examples by hand, the naive
/// reference and central differences.
@Suite struct ConvolutionVariantTests {
    /// A 3 × 3 kernel of ones with dilation 2 on the 5 × 5 image 1 … 25 reads rows and columns 0,
    /// 2 and 4: 1 + 3 + 5 + 11 + 13 + 15 + 21 + 23 + 25 = 117; output ⌊(5 − 2·2 − 1) / 1⌋ + 1 = 1.
    @Test func dilationByHand() throws {
        let x = (1 ... 25).map(Float.init)
        let y = try LayerFunction("conv(1,3,dilation=2)").forward(x, shape: [1, 5, 5], parameters: [[Float](repeating: 1, count: 9), [0]])
        #expect(y.shape == [1, 1, 1] && y.values == [117])
        // On 6 × 6 with pad=1: ⌊(6 + 2 − 5) / 1⌋ + 1 = 4 outputs per axis.
        let padded = try LayerFunction("conv(1,3,pad=1,dilation=2)").layer(for: [1, 6, 6]).layer
        #expect(padded.outputShape == FeatureShape(channels: 1, height: 4, width: 4))
        #expect(padded.outputSizeFormula == "H = W: ⌊(6 + 1 + 1 − 2·(3 − 1) − 1) / 1⌋ + 1 = 4")
    }

    /// `same` keeps ⌈n / stride⌉; an even kernel pads one more at the bottom and right: a 2 × 2
    /// kernel of ones on 1 … 9 sums each pixel with its right, lower and lower-right neighbours.
    @Test func samePaddingByHand() throws {
        let y = try LayerFunction("conv(1,2,pad=same)").forward((1 ... 9).map(Float.init), shape: [1, 3, 3],
                                                               parameters: [[1, 1, 1, 1], [0]])
        #expect(y.shape == [1, 3, 3])
        #expect(y.values == [12, 16, 9,
                             24, 28, 15,
                             15, 17, 9])
        for (spec, size, output) in [("conv(4,3,pad=same)", 28, 28), ("conv(4,3,stride=2,pad=same)", 28, 14),
                                     ("conv(4,5,stride=3,pad=same)", 28, 10), ("conv(4,3,pad=same,dilation=3)", 9, 9),
                                     ("conv(4,3,pad=valid)", 28, 26)] {
            let layer = try LayerFunction(spec).layer(for: [1, size, size]).layer
            #expect(layer.outputShape.height == output && layer.outputShape.width == output, "\(spec)")
        }
        #expect(try ModelSpec("conv(4,3,pad=valid)").description == "conv(4,3)")
        #expect(try ModelSpec("conv(4,3,pad=same,dilation=2)").description == "conv(4,3,pad=same,dilation=2)")
    }

    @Test func refusals() {
        #expect(throws: (any Error).self) { try ModelSpec("conv(4,3,pad=full)") }
        #expect(throws: LayerFunctionError("conv(4,3,dilation=4): a 3×3 kernel with pad=0 and dilation=4 does not fit the input [1, 8, 8]")) {
            try LayerFunction("conv(4,3,dilation=4)").layer(for: [1, 8, 8])
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        let spec: String
        let channels, height, width: Int
        var description: String { "\(spec) on \(channels)x\(height)x\(width)" }
    }

    static let cases = [
        Case(spec: "conv(3,3,dilation=2)", channels: 2, height: 9, width: 8),
        Case(spec: "conv(5,3,pad=2,dilation=2)", channels: 3, height: 7, width: 6),
        Case(spec: "conv(4,2,stride=2,dilation=3)", channels: 2, height: 10, width: 9),
        Case(spec: "conv(3,2,pad=same)", channels: 2, height: 5, width: 6),
        Case(spec: "conv(3,3,stride=2,pad=same)", channels: 9, height: 8, width: 7),
        Case(spec: "conv(2,4,stride=3,pad=same,dilation=2)", channels: 1, height: 11, width: 10),
        Case(spec: "conv(20,3,pad=same)", channels: 16, height: 6, width: 6),
    ]

    /// Forward against `ReferenceKernels.convolve` (a direct loop in Double over every tap).
    @Test(arguments: cases)
    func matchesReference(_ c: Case) throws {
        let batch = 2, shape = [batch, c.channels, c.height, c.width]
        let conv = try #require(try LayerFunction(c.spec).layer(for: shape).layer as? Conv2D)
        let g = conv.geometry
        let x = testValues(batch * g.inputCount, seed: 41), p = testValues(conv.parameterCount, seed: 42)
        let fast = LayerHarness(layer: conv, batch: batch).forward(x, p)
        let slow = referenceConvolution(x, p, batch: batch, geometry: g)
        expectClose(fast, slow, atol: 1e-4, rtol: 1e-4, "\(c)")
    }

    @Test(arguments: cases)
    func gradientCheck(_ c: Case) throws {
        let batch = 2
        let (layer, _) = try LayerFunction(c.spec).layer(for: [batch, c.channels, c.height, c.width])
        GradientCheckTests().check(layer, batch: batch, x: testValues(batch * layer.inputShape.count, seed: 43),
                                   parameters: testValues(layer.parameterCount, seed: 44), c.description)
    }

    /// A dilated 3 × 3 kernel runs as Winograd with the D² phases' tiles in one GEMM: the same
    /// forward and backward as im2col for both tile sizes, on outputs whose phases differ in size
    /// (odd P and Q), D = 2, 3 and 8 (most phases empty), channel counts that are not multiples of
    /// 16, and zoo's layer. By default it is chosen on 8 or more channels when it multiplies less
    /// than im2col (not for D = 8 on a 3 × 3 output: 64 phases of one tile each).
    @Test(arguments: [("conv(5,3,pad=2,dilation=2)", 9, 14, 14, Conv2D.ConvolutionAlgorithm.winograd4x4),
                      ("conv(33,3,pad=1,dilation=2)", 8, 11, 9, .winograd4x4), ("conv(7,3,dilation=3)", 12, 13, 16, .winograd4x4),
                      ("conv(4,3,pad=3,dilation=3)", 3, 5, 7, .im2col), ("conv(32,3,pad=2,dilation=2)", 32, 14, 14, .winograd4x4),
                      ("conv(8,3,pad=8,dilation=8)", 8, 3, 3, .im2col)])
    func dilatedWinogradMatchesIm2col(spec: String, channels: Int, height: Int, width: Int, chosen: Conv2D.ConvolutionAlgorithm) throws {
        let batch = 3
        let built = try #require(try LayerFunction(spec).layer(for: [batch, channels, height, width]).layer as? Conv2D)
        #expect(built.algorithm == chosen, "\(spec)")
        let reference = try #require(Conv2D(geometry: built.geometry, algorithm: .im2col))
        let x = testValues(batch * built.inputShape.count, seed: 48), p = testValues(built.parameterCount, seed: 49)
        let dy = testValues(batch * built.outputShape.count, seed: 50)
        let expected = LayerHarness(layer: reference, batch: batch).forward(x, p)
        let (dxRef, dpRef) = LayerHarness(layer: reference, batch: batch).backward(x, p, dy: dy)
        for algorithm in [Conv2D.ConvolutionAlgorithm.winograd2x2, .winograd4x4] {
            let layer = try #require(Conv2D(geometry: built.geometry, algorithm: algorithm))
            expectClose(LayerHarness(layer: layer, batch: batch).forward(x, p), expected, atol: 1e-4, rtol: 1e-4, "\(spec) \(algorithm) forward")
            let (dx, dp) = LayerHarness(layer: layer, batch: batch).backward(x, p, dy: dy)
            expectClose(dx, dxRef, atol: 1e-4, rtol: 1e-4, "\(spec) \(algorithm) dx")
            expectClose(dp, dpRef, atol: 1e-4, rtol: 1e-4, "\(spec) \(algorithm) dParameters")
        }
    }

    /// Dilated stride-1 convolutions can run as D² undilated ones on the input's phases: the same
    /// forward and backward as im2col, on odd sizes, uneven padding, D = 2 and 3, and phases that
    /// run Winograd (≥ 8 channels, 3 × 3) or direct.
    @Test(arguments: [("conv(4,3,dilation=2)", 2, 9, 8), ("conv(5,3,pad=2,dilation=2)", 9, 14, 14), ("conv(3,3,pad=same,dilation=3)", 3, 10, 11),
                      ("conv(6,2,pad=same,dilation=2)", 2, 7, 6), ("conv(4,5,pad=1,dilation=3)", 8, 15, 13), ("conv(7,3,pad=3,dilation=3)", 16, 8, 9)])
    func polyphaseMatchesIm2col(spec: String, channels: Int, height: Int, width: Int) throws {
        let batch = 2
        let built = try #require(try LayerFunction(spec).layer(for: [batch, channels, height, width]).layer as? Conv2D)
        let layer = try #require(Conv2D(geometry: built.geometry, algorithm: .polyphase))
        let reference = try #require(Conv2D(geometry: built.geometry, algorithm: .im2col))
        let x = testValues(batch * layer.inputShape.count, seed: 45), p = testValues(layer.parameterCount, seed: 46)
        let dy = testValues(batch * layer.outputShape.count, seed: 47)
        expectClose(LayerHarness(layer: layer, batch: batch).forward(x, p), LayerHarness(layer: reference, batch: batch).forward(x, p),
                    atol: 1e-4, rtol: 1e-4, "\(spec) forward")
        let (dx, dp) = LayerHarness(layer: layer, batch: batch).backward(x, p, dy: dy)
        let (dxRef, dpRef) = LayerHarness(layer: reference, batch: batch).backward(x, p, dy: dy)
        expectClose(dx, dxRef, atol: 1e-4, rtol: 1e-4, "\(spec) dx")
        expectClose(dp, dpRef, atol: 1e-4, rtol: 1e-4, "\(spec) dParameters")
    }
}
