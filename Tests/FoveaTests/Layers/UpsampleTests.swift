import Testing
import Fovea

/// `upsample(S)`: each value becomes an S × S block; each input's gradient is its block's sum.
@Suite struct UpsampleTests {
    @Test func byHand() throws {
        let up = try LayerFunction("upsample")
        let y = try up.forward([1, 2, 3, 4], shape: [1, 2, 2])
        #expect(y.shape == [1, 4, 4])
        #expect(y.values == [1, 1, 2, 2,
                             1, 1, 2, 2,
                             3, 3, 4, 4,
                             3, 3, 4, 4])
        let dy = (1 ... 16).map(Float.init)
        let (dx, _) = try up.backward([1, 2, 3, 4], shape: [1, 2, 2], dOutput: dy)
        // Block (0, 0): 1 + 2 + 5 + 6 = 14; (0, 1): 3 + 4 + 7 + 8 = 22; …
        #expect(dx == [14, 22, 46, 54])
        let three = try LayerFunction("upsample(3)").forward([5, 6], shape: [1, 1, 2])
        #expect(three.values == [5, 5, 5, 6, 6, 6, 5, 5, 5, 6, 6, 6, 5, 5, 5, 6, 6, 6])
    }

    /// Against the definition, on rows wider than one vector (the S = 2 path and its tail) and
    /// other factors.
    @Test(arguments: [(2, 19), (2, 40), (3, 7), (1, 5)])
    func matchesDefinition(factor: Int, width: Int) throws {
        let batch = 2, channels = 3, height = 3
        let x = testValues(batch * channels * height * width, seed: 21)
        let function = try LayerFunction("upsample(\(factor))")
        let shape = [batch, channels, height, width]
        let y = try function.forward(x, shape: shape)
        let outputWidth = width * factor, outputHeight = height * factor
        var expected: [Float] = []
        for plane in 0 ..< batch * channels {
            for i in 0 ..< outputHeight {
                for j in 0 ..< outputWidth { expected.append(x[plane * height * width + (i / factor) * width + j / factor]) }
            }
        }
        #expect(y.values == expected)
        let dy = testValues(expected.count, seed: 22)
        let (dx, _) = try function.backward(x, shape: shape, dOutput: dy)
        var sums = [Float](repeating: 0, count: x.count)
        for plane in 0 ..< batch * channels {
            for i in 0 ..< outputHeight {
                for j in 0 ..< outputWidth {
                    sums[plane * height * width + (i / factor) * width + j / factor] += dy[plane * outputHeight * outputWidth + i * outputWidth + j]
                }
            }
        }
        expectClose(dx, sums, atol: 1e-6, rtol: 1e-6, "upsample(\(factor)) dx")
    }

    @Test func gradientCheck() throws {
        let (layer, _) = try LayerFunction("upsample(2)").layer(for: [2, 2, 3, 5])
        GradientCheckTests().check(layer, batch: 2, x: testValues(60, seed: 23), parameters: [], "upsample")
    }
}
