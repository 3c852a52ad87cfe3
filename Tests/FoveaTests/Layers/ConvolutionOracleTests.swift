import Testing
import Fovea

/// The GEMM-based convolution against the direct reference, on odd shapes.
@Suite struct ConvolutionOracleTests {
    @Test(arguments: [(1, 28, 28, 8, 5, 1, 2), (3, 11, 9, 13, 3, 2, 1), (4, 7, 7, 5, 7, 1, 3), (2, 10, 13, 35, 3, 1, 0), (32, 13, 13, 20, 3, 1, 0)])
    func matchesDirectConvolution(c: Int, h: Int, w: Int, k: Int, kernel: Int, stride: Int, pad: Int) throws {
        let g = try #require(ConvolutionGeometry(input: FeatureShape(channels: c, height: h, width: w), outputChannels: k,
                                                 kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: pad))
        let layer = Conv2D(geometry: g)
        let batch = 3
        let x = testValues(batch * g.inputCount, seed: 21), p = testValues(layer.parameterCount, seed: 22)
        let fast = LayerHarness(layer: layer, batch: batch).forward(x, p)
        var slow = [Float](repeating: 0, count: batch * g.outputCount)
        x.withUnsafeBufferPointer { x in
            p.withUnsafeBufferPointer { p in
                slow.withUnsafeMutableBufferPointer { y in
                    for n in 0 ..< batch {
                        ReferenceKernels.convolve(x: x.baseAddress! + n * g.inputCount, weight: p.baseAddress!,
                                                  bias: p.baseAddress! + k * g.patchSize, y: y.baseAddress! + n * g.outputCount, geometry: g)
                    }
                }
            }
        }
        expectClose(fast, slow, atol: 1e-4, rtol: 1e-4, "conv forward")
    }

    /// Output size follows floor((n + 2p − k) / s) + 1, and kernels that do not fit are refused.
    @Test func outputSize() throws {
        let g = try #require(ConvolutionGeometry(input: FeatureShape(channels: 1, height: 28, width: 27), outputChannels: 4,
                                                 kernelHeight: 5, kernelWidth: 5, stride: 2, padding: 1))
        #expect(g.outputHeight == (28 + 2 - 5) / 2 + 1 && g.outputWidth == (27 + 2 - 5) / 2 + 1)
        #expect(ConvolutionGeometry(input: FeatureShape(channels: 1, height: 4, width: 4), outputChannels: 1,
                                    kernelHeight: 7, kernelWidth: 7, stride: 1, padding: 1) == nil)
    }
}
