import Testing
import Fovea

/// The im2col convolution's forward output and input gradient, bit for bit, against a scalar
/// oracle that performs the chains of operations `Im2ColConvolution` documents:
/// - forward: `y = bias`, then `y = y + w · x` fused (`addingProduct`) over `(c, r, s)` in order,
///   padding read as 0;
/// - input gradient: `dCol[(c, r, s), pixel] = 0`, then fused over the output channels in order;
///   `dx` from a zeroed padded image, adding `dCol` row by row, then pixel by pixel.
///
/// The GEMM route and the few-taps route (at most 16 taps and at least 16 output pixels) must
/// both give exactly these bits, so every product can change how it runs, never what it rounds.
@Suite struct ConvolutionChainTests {
    typealias Case = StridedConvolutionTests.Case

    /// `StridedConvolutionTests`' shapes (the autoencoder's two strided layers among them), and
    /// the few-taps limits: 16 taps of a 4 × 4 kernel with more output channels than one GEMM
    /// depth block (300 > 256), 16 taps of 16 channels and a 1 × 1 kernel, a dilated kernel at
    /// stride 1; then 17 taps, and fewer than 16 output pixels, which keep the GEMM.
    static let cases = StridedConvolutionTests.cases + [
        Case(channels: 1, height: 13, width: 11, kernels: 300, kernel: 4, stride: 2, pad: 1, dilation: 1, batch: 3),
        Case(channels: 16, height: 9, width: 11, kernels: 3, kernel: 1, stride: 2, pad: 0, dilation: 1, batch: 4),
        Case(channels: 1, height: 12, width: 12, kernels: 5, kernel: 3, stride: 1, pad: 2, dilation: 2, batch: 2),
        Case(channels: 17, height: 7, width: 8, kernels: 6, kernel: 1, stride: 2, pad: 0, dilation: 1, batch: 3),
        Case(channels: 1, height: 6, width: 6, kernels: 4, kernel: 3, stride: 2, pad: 1, dilation: 1, batch: 3),
    ]

    @Test(arguments: cases)
    func forwardAndInputGradientAreTheDocumentedChains(_ c: Case) throws {
        let g = try #require(c.geometry)
        let layer = try #require(Conv2D(geometry: g, algorithm: .im2col))
        let x = testValues(c.batch * g.inputCount, seed: 91), p = testValues(layer.parameterCount, seed: 92)
        let dy = testValues(c.batch * g.outputCount, seed: 93)
        let harness = LayerHarness(layer: layer, batch: c.batch)
        let oracle = ChainOracle(g: g, weight: Array(p[0 ..< g.outputChannels * g.patchSize]),
                                 bias: Array(p[(g.outputChannels * g.patchSize)...]))
        #expect(harness.forward(x, p) == oracle.forward(x, batch: c.batch), "forward \(c)")
        #expect(harness.backward(x, p, dy: dy).dx == oracle.inputGradient(dy, batch: c.batch), "dx \(c)")
    }
}

/// The scalar chains, sample by sample (see the suite).
private struct ChainOracle {
    let g: ConvolutionGeometry
    let weight: [Float], bias: [Float]

    /// Where tap `(r, s)` of output pixel `(p, q)` reads the input: a row and column of the
    /// unpadded image, possibly outside it.
    private func source(p: Int, q: Int, r: Int, s: Int) -> (h: Int, w: Int) {
        (p * g.stride + r * g.dilation - g.paddingTop, q * g.stride + s * g.dilation - g.paddingLeft)
    }

    func forward(_ x: [Float], batch: Int) -> [Float] {
        var y = [Float](repeating: 0, count: batch * g.outputCount)
        for n in 0 ..< batch {
            for k in 0 ..< g.outputChannels {
                for p in 0 ..< g.outputHeight {
                    for q in 0 ..< g.outputWidth {
                        var sum = bias[k]
                        for c in 0 ..< g.inputChannels {
                            for r in 0 ..< g.kernelHeight {
                                for s in 0 ..< g.kernelWidth {
                                    let (h, w) = source(p: p, q: q, r: r, s: s)
                                    let inside = h >= 0 && h < g.height && w >= 0 && w < g.width
                                    let value = inside ? x[n * g.inputCount + (c * g.height + h) * g.width + w] : 0
                                    sum = sum.addingProduct(weight[((k * g.inputChannels + c) * g.kernelHeight + r) * g.kernelWidth + s], value)
                                }
                            }
                        }
                        y[n * g.outputCount + (k * g.outputHeight + p) * g.outputWidth + q] = sum
                    }
                }
            }
        }
        return y
    }

    func inputGradient(_ dy: [Float], batch: Int) -> [Float] {
        let paddedHeight = g.height + g.paddingTop + g.paddingBottom + g.stride + g.kernelHeight * g.dilation
        let paddedWidth = g.width + g.paddingLeft + g.paddingRight + g.stride + g.kernelWidth * g.dilation
        var dx = [Float](repeating: 0, count: batch * g.inputCount)
        for n in 0 ..< batch {
            // The padded image every dCol entry is added into, row of dCol by row, pixel by pixel.
            var window = [Float](repeating: 0, count: g.inputChannels * paddedHeight * paddedWidth)
            for c in 0 ..< g.inputChannels {
                for r in 0 ..< g.kernelHeight {
                    for s in 0 ..< g.kernelWidth {
                        let tap = (c * g.kernelHeight + r) * g.kernelWidth + s
                        for p in 0 ..< g.outputHeight {
                            for q in 0 ..< g.outputWidth {
                                var column: Float = 0
                                for k in 0 ..< g.outputChannels {
                                    column = column.addingProduct(weight[k * g.patchSize + tap],
                                                                  dy[n * g.outputCount + (k * g.outputHeight + p) * g.outputWidth + q])
                                }
                                let (h, w) = source(p: p, q: q, r: r, s: s)
                                window[(c * paddedHeight + h + g.paddingTop) * paddedWidth + w + g.paddingLeft] += column
                            }
                        }
                    }
                }
            }
            for c in 0 ..< g.inputChannels {
                for h in 0 ..< g.height {
                    for w in 0 ..< g.width {
                        dx[n * g.inputCount + (c * g.height + h) * g.width + w] =
                            window[(c * paddedHeight + h + g.paddingTop) * paddedWidth + w + g.paddingLeft]
                    }
                }
            }
        }
        return dx
    }
}
