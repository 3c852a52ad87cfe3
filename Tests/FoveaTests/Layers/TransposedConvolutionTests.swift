import Testing
import Fovea

/// `convT`: a 2 × 2 input worked by hand, PyTorch's output size, a naive scatter reference and
/// central differences.
@Suite struct TransposedConvolutionTests {
    /// Stride 2, kernel [1, 2; 3, 4]: each input pixel stamps value × kernel on its own 2 × 2
    /// block of the 4 × 4 output.
    @Test func byHand() throws {
        let y = try LayerFunction("convT(1,2,stride=2)").forward([1, 2, 3, 4], shape: [1, 2, 2], parameters: [[1, 2, 3, 4], [0]])
        #expect(y.shape == [1, 4, 4])
        #expect(y.values == [1, 2, 2, 4,
                             3, 4, 6, 8,
                             3, 6, 4, 8,
                             9, 12, 12, 16])
        // Stride 1: the stamps overlap and add; a bias of 1 is added once per output pixel.
        let overlap = try LayerFunction("convT(1,2)").forward([1, 2, 3, 4], shape: [1, 2, 2], parameters: [[1, 1, 1, 1], [1]])
        #expect(overlap.values == [2, 4, 3,
                                   5, 11, 7,
                                   4, 8, 5])
    }

    /// `(n − 1)·S − 2P + K + Q`, the harness's autoencoder upsampling 7 → 14 → 28.
    @Test func outputSizes() throws {
        for (spec, size, output) in [("convT(4,3,stride=2,pad=1,outpad=1)", 7, 14), ("convT(4,3,stride=2,pad=1,outpad=1)", 14, 28),
                                     ("convT(4,4,stride=2,pad=1)", 5, 10), ("convT(4,3)", 5, 7), ("convT(4,5,stride=3,pad=2,outpad=2)", 4, 12)] {
            let layer = try LayerFunction(spec).layer(for: [2, size, size]).layer
            #expect(layer.outputShape.height == output && layer.outputShape.width == output, "\(spec)")
            #expect(layer.parameterCount == 2 * 4 * layer.parameterShapes[0].shape[2] * layer.parameterShapes[0].shape[3] + 4)
        }
        #expect(try LayerFunction("convT(4,3,stride=2,pad=1,outpad=1)").layer(for: [2, 7, 7]).layer.outputSizeFormula
            == "H = W: (7 − 1)·2 − 2·1 + 3 + 1 = 14")
        #expect(throws: LayerFunctionError("convT(4,3,stride=2,outpad=2): outpad=2 must be below the stride 2, as in PyTorch")) {
            try LayerFunction("convT(4,3,stride=2,outpad=2)").layer(for: [1, 5, 5])
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        let spec: String
        let channels, height, width: Int
        var description: String { "\(spec) on \(channels)x\(height)x\(width)" }
    }

    static let cases = [
        Case(spec: "convT(3,3,stride=2,pad=1,outpad=1)", channels: 2, height: 4, width: 5),
        Case(spec: "convT(2,2,stride=2)", channels: 3, height: 3, width: 3),
        Case(spec: "convT(5,3,pad=1)", channels: 4, height: 5, width: 4),
        Case(spec: "convT(2,4,stride=3,pad=1,outpad=2)", channels: 2, height: 3, width: 2),
    ]

    /// Against the definition: `y[c, i·S − P + r, j·S − P + s] += x[k, i, j] · w[k, c, r, s]` for
    /// every input pixel and kernel tap landing inside, in Double, plus the bias.
    @Test(arguments: cases)
    func matchesScatterReference(_ c: Case) throws {
        let batch = 2, shape = [batch, c.channels, c.height, c.width]
        let (layer, _) = try LayerFunction(c.spec).layer(for: shape)
        let t = try #require(layer as? ConvTranspose2D)
        let x = testValues(batch * layer.inputShape.count, seed: 61), p = testValues(layer.parameterCount, seed: 62)
        let fast = LayerHarness(layer: layer, batch: batch).forward(x, p)
        let out = layer.outputShape, kernel = t.mirror.kernelHeight, stride = t.mirror.stride, pad = t.mirror.padding
        var slow = [Double](repeating: 0, count: batch * out.count)
        let biasOffset = c.channels * out.channels * kernel * kernel
        for n in 0 ..< batch {
            for o in 0 ..< out.channels {
                for i in 0 ..< out.height * out.width { slow[n * out.count + o * out.height * out.width + i] = Double(p[biasOffset + o]) }
            }
            for k in 0 ..< c.channels {
                for i in 0 ..< c.height {
                    for j in 0 ..< c.width {
                        let value = Double(x[((n * c.channels + k) * c.height + i) * c.width + j])
                        for o in 0 ..< out.channels {
                            for r in 0 ..< kernel {
                                for s in 0 ..< kernel {
                                    let h = i * stride - pad + r, w = j * stride - pad + s
                                    guard h >= 0, h < out.height, w >= 0, w < out.width else { continue }
                                    slow[n * out.count + (o * out.height + h) * out.width + w]
                                        += value * Double(p[((k * out.channels + o) * kernel + r) * kernel + s])
                                }
                            }
                        }
                    }
                }
            }
        }
        expectClose(fast, slow.map(Float.init), atol: 1e-4, rtol: 1e-4, "\(c)")
    }

    @Test(arguments: cases)
    func gradientCheck(_ c: Case) throws {
        let batch = 2
        let (layer, _) = try LayerFunction(c.spec).layer(for: [batch, c.channels, c.height, c.width])
        GradientCheckTests().check(layer, batch: batch, x: testValues(batch * layer.inputShape.count, seed: 63),
                                   parameters: testValues(layer.parameterCount, seed: 64), c.description)
    }
}
