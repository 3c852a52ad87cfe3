import Testing
import Fovea

/// The im2col convolution (strides above 1, dilation, uneven padding) and the transposed
/// convolution that runs on it, against naive Double references of all four products (forward,
/// dx, dW, dBias), on odd shapes and batches that span several groups of samples; and each
/// sample's forward and dx the same bits whatever batch it is in.
@Suite struct StridedConvolutionTests {
    /// A square kernel on a batch of `batch` images (also `ConvolutionChainTests`' cases).
    struct Case: Sendable, CustomStringConvertible {
        let channels, height, width, kernels, kernel, stride, pad, dilation, batch: Int
        var description: String { "C\(channels) \(height)x\(width) K\(kernels) k\(kernel) s\(stride) p\(pad) d\(dilation) N\(batch)" }
        var geometry: ConvolutionGeometry? {
            ConvolutionGeometry(input: FeatureShape(channels: channels, height: height, width: width), outputChannels: kernels,
                                kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: pad, dilation: dilation)
        }
    }

    static let cases = [
        // The autoencoder's two stride-2 convolutions; 196 and 49 output pixels make groups of
        // 2 and 10 samples, so these batches end in a partial group.
        Case(channels: 1, height: 28, width: 28, kernels: 32, kernel: 3, stride: 2, pad: 1, dilation: 1, batch: 5),
        Case(channels: 32, height: 14, width: 14, kernels: 64, kernel: 3, stride: 2, pad: 1, dilation: 1, batch: 13),
        Case(channels: 3, height: 11, width: 9, kernels: 5, kernel: 3, stride: 3, pad: 1, dilation: 1, batch: 4),
        Case(channels: 2, height: 10, width: 7, kernels: 13, kernel: 5, stride: 2, pad: 2, dilation: 1, batch: 3),
        Case(channels: 4, height: 9, width: 9, kernels: 6, kernel: 3, stride: 2, pad: 0, dilation: 2, batch: 3),
        Case(channels: 1, height: 7, width: 5, kernels: 3, kernel: 1, stride: 2, pad: 0, dilation: 1, batch: 4),
        Case(channels: 5, height: 13, width: 17, kernels: 7, kernel: 3, stride: 1, pad: 1, dilation: 1, batch: 2),
        Case(channels: 3, height: 1, width: 19, kernels: 2, kernel: 1, stride: 3, pad: 0, dilation: 1, batch: 3),
        Case(channels: 2, height: 40, width: 40, kernels: 3, kernel: 3, stride: 1, pad: 1, dilation: 1, batch: 2),
        // More kernels than one GEMM depth block (260 > kc): the input gradient's product is too
        // deep to go strip by strip into col2im and takes the whole-matrix route.
        Case(channels: 2, height: 9, width: 9, kernels: 260, kernel: 3, stride: 2, pad: 1, dilation: 1, batch: 3),
    ]

    @Test(arguments: cases)
    func convolutionMatchesReference(_ c: Case) throws {
        try check(try #require(c.geometry), batch: c.batch, "\(c)")
    }

    /// `pad=same` with stride 2 on an even size: one row and column of padding, at the bottom
    /// and right only.
    @Test func unevenPadding() throws {
        let g = try #require(ConvolutionGeometry(sameOutputFor: FeatureShape(channels: 3, height: 10, width: 12), outputChannels: 5,
                                                 kernelHeight: 3, kernelWidth: 3, stride: 2))
        #expect(g.paddingTop == 0 && g.paddingBottom == 1 && g.paddingLeft == 0 && g.paddingRight == 1)
        try check(g, batch: 3, "same padding")
    }

    private func check(_ g: ConvolutionGeometry, batch: Int, _ name: String) throws {
        let layer = try #require(Conv2D(geometry: g, algorithm: .im2col))
        let x = testValues(batch * g.inputCount, seed: 71), p = testValues(layer.parameterCount, seed: 72)
        let dy = testValues(batch * g.outputCount, seed: 73)
        let harness = LayerHarness(layer: layer, batch: batch)
        let y = harness.forward(x, p)
        let (dx, dp) = harness.backward(x, p, dy: dy)
        let reference = ConvolutionReference(g: g, batch: batch, x: x, parameters: p, dy: dy)
        expectClose(y, reference.forward(), atol: 1e-4, rtol: 1e-4, "\(name) forward")
        let (dxSlow, dpSlow) = reference.backward()
        expectClose(dx, dxSlow, atol: 1e-4, rtol: 1e-4, "\(name) dx")
        expectClose(dp, dpSlow, atol: 1e-4, rtol: 1e-4, "\(name) dW, dBias")

        // Sample by sample: the same bits as in the batch.
        for n in 0 ..< batch {
            let one = LayerHarness(layer: layer, batch: 1)
            let xn = Array(x[n * g.inputCount ..< (n + 1) * g.inputCount]), dyn = Array(dy[n * g.outputCount ..< (n + 1) * g.outputCount])
            #expect(one.forward(xn, p) == Array(y[n * g.outputCount ..< (n + 1) * g.outputCount]), "\(name) forward of sample \(n)")
            #expect(one.backward(xn, p, dy: dyn).dx == Array(dx[n * g.inputCount ..< (n + 1) * g.inputCount]), "\(name) dx of sample \(n)")
        }
    }

    struct TransposedCase: Sendable, CustomStringConvertible {
        let spec: String
        let channels, height, width, batch: Int
        var description: String { "\(spec) on \(channels)x\(height)x\(width) N\(batch)" }
    }

    static let transposedCases = [
        // The autoencoder's decoder: 7 → 14 (64 → 32 channels) and 14 → 28 (32 → 1).
        TransposedCase(spec: "convT(32,3,stride=2,pad=1,outpad=1)", channels: 64, height: 7, width: 7, batch: 11),
        TransposedCase(spec: "convT(1,3,stride=2,pad=1,outpad=1)", channels: 32, height: 14, width: 14, batch: 5),
        TransposedCase(spec: "convT(3,3,stride=3,pad=1,outpad=2)", channels: 2, height: 5, width: 4, batch: 3),
        TransposedCase(spec: "convT(2,4,stride=2,pad=1)", channels: 3, height: 6, width: 5, batch: 3),
        TransposedCase(spec: "convT(4,3,pad=1)", channels: 5, height: 7, width: 9, batch: 2),
    ]

    /// Against the definition, `y[o, i·S − P + r, j·S − P + s] += x[k, i, j] · w[k, o, r, s]`, and
    /// its adjoints.
    @Test(arguments: transposedCases)
    func transposedMatchesReference(_ c: TransposedCase) throws {
        let (layer, _) = try LayerFunction(c.spec).layer(for: [c.batch, c.channels, c.height, c.width])
        let t = try #require(layer as? ConvTranspose2D)
        let out = layer.outputShape, kernel = t.mirror.kernelHeight, stride = t.mirror.stride, pad = t.mirror.padding
        let batch = c.batch
        let x = testValues(batch * layer.inputShape.count, seed: 81), p = testValues(layer.parameterCount, seed: 82)
        let dy = testValues(batch * out.count, seed: 83)
        let harness = LayerHarness(layer: layer, batch: batch)
        let y = harness.forward(x, p)
        let (dx, dp) = harness.backward(x, p, dy: dy)

        var ySlow = [Double](repeating: 0, count: batch * out.count), dxSlow = [Double](repeating: 0, count: x.count)
        var dpSlow = [Double](repeating: 0, count: p.count)
        let biasOffset = c.channels * out.channels * kernel * kernel
        for n in 0 ..< batch {
            for o in 0 ..< out.channels {
                for i in 0 ..< out.height * out.width {
                    let index = n * out.count + o * out.height * out.width + i
                    ySlow[index] = Double(p[biasOffset + o])
                    dpSlow[biasOffset + o] += Double(dy[index])
                }
            }
            for k in 0 ..< c.channels {
                for i in 0 ..< c.height {
                    for j in 0 ..< c.width {
                        let xi = ((n * c.channels + k) * c.height + i) * c.width + j
                        for o in 0 ..< out.channels {
                            for r in 0 ..< kernel {
                                for s in 0 ..< kernel {
                                    let h = i * stride - pad + r, w = j * stride - pad + s
                                    guard h >= 0, h < out.height, w >= 0, w < out.width else { continue }
                                    let yi = n * out.count + (o * out.height + h) * out.width + w
                                    let wi = ((k * out.channels + o) * kernel + r) * kernel + s
                                    ySlow[yi] += Double(x[xi]) * Double(p[wi])
                                    dxSlow[xi] += Double(dy[yi]) * Double(p[wi])
                                    dpSlow[wi] += Double(dy[yi]) * Double(x[xi])
                                }
                            }
                        }
                    }
                }
            }
        }
        expectClose(y, ySlow.map(Float.init), atol: 1e-4, rtol: 1e-4, "\(c) forward")
        expectClose(dx, dxSlow.map(Float.init), atol: 1e-4, rtol: 1e-4, "\(c) dx")
        expectClose(dp, dpSlow.map(Float.init), atol: 1e-4, rtol: 1e-4, "\(c) dW, dBias")
    }
}

/// A convolution's four products by their definitions, in Double: weight `[K, C, R, S]` then
/// bias `[K]` in `parameters`.
private struct ConvolutionReference {
    let g: ConvolutionGeometry
    let batch: Int
    let x: [Float], parameters: [Float], dy: [Float]

    /// Calls `body(xIndex, yIndex, weightIndex)` for every tap that reads inside the image.
    private func forEachTap(_ body: (Int, Int, Int) -> Void) {
        for n in 0 ..< batch {
            for k in 0 ..< g.outputChannels {
                for p in 0 ..< g.outputHeight {
                    for q in 0 ..< g.outputWidth {
                        let yi = n * g.outputCount + (k * g.outputHeight + p) * g.outputWidth + q
                        for c in 0 ..< g.inputChannels {
                            for r in 0 ..< g.kernelHeight {
                                for s in 0 ..< g.kernelWidth {
                                    let h = p * g.stride + r * g.dilation - g.paddingTop, w = q * g.stride + s * g.dilation - g.paddingLeft
                                    guard h >= 0, h < g.height, w >= 0, w < g.width else { continue }
                                    body(n * g.inputCount + (c * g.height + h) * g.width + w, yi,
                                         ((k * g.inputChannels + c) * g.kernelHeight + r) * g.kernelWidth + s)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private var biasOffset: Int { g.outputChannels * g.patchSize }

    func forward() -> [Float] {
        var y = [Double](repeating: 0, count: batch * g.outputCount)
        for i in y.indices { y[i] = Double(parameters[biasOffset + i / g.outputPixels % g.outputChannels]) }
        forEachTap { xi, yi, wi in y[yi] += Double(x[xi]) * Double(parameters[wi]) }
        return y.map(Float.init)
    }

    func backward() -> (dx: [Float], dParameters: [Float]) {
        var dx = [Double](repeating: 0, count: x.count), dp = [Double](repeating: 0, count: parameters.count)
        forEachTap { xi, yi, wi in
            dx[xi] += Double(dy[yi]) * Double(parameters[wi])
            dp[wi] += Double(dy[yi]) * Double(x[xi])
        }
        for i in dy.indices { dp[biasOffset + i / g.outputPixels % g.outputChannels] += Double(dy[i]) }
        return (dx.map(Float.init), dp.map(Float.init))
    }
}
