import Testing
import Fovea

/// The GEMM-based convolution against the direct reference, on odd shapes.
@Suite struct ConvolutionOracleTests {
    static let shapes = [(1, 28, 28, 8, 5, 1, 2), (3, 11, 9, 13, 3, 2, 1), (4, 7, 7, 5, 7, 1, 3), (2, 10, 13, 35, 3, 1, 0),
                         (32, 13, 13, 20, 3, 1, 0), (9, 8, 7, 5, 3, 1, 1), (40, 6, 5, 33, 3, 1, 2), (16, 1, 2, 3, 3, 1, 1), (32, 6, 8, 20, 3, 1, 0), (32, 26, 26, 64, 3, 1, 0), (8, 11, 9, 17, 3, 1, 1),
                         (16, 7, 9, 33, 1, 1, 0), (3, 5, 4, 20, 1, 1, 0),
                         (2, 5, 33, 4, 3, 2, 0), (3, 6, 28, 5, 3, 2, 3), (4, 3, 16, 3, 3, 2, 1)]

    @Test(arguments: shapes)
    func matchesDirectConvolution(c: Int, h: Int, w: Int, k: Int, kernel: Int, stride: Int, pad: Int) throws {
        let g = try #require(ConvolutionGeometry(input: FeatureShape(channels: c, height: h, width: w), outputChannels: k,
                                                 kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: pad))
        for algorithm in Conv2D.ConvolutionAlgorithm.allCases {
            guard let layer = Conv2D(geometry: g, algorithm: algorithm) else { continue }
            try matchesReference(layer, "\(algorithm) C\(c) \(h)x\(w) K\(k) k\(kernel) s\(stride) p\(pad)")
        }
    }

    func matchesReference(_ layer: Conv2D, _ name: String) throws {
        let g = layer.geometry
        let batch = 3
        let x = testValues(batch * g.inputCount, seed: 21), p = testValues(layer.parameterCount, seed: 22)
        let fast = LayerHarness(layer: layer, batch: batch).forward(x, p)
        let slow = referenceConvolution(x, p, batch: batch, geometry: g)
        expectClose(fast, slow, atol: 1e-4, rtol: 1e-4, "\(name) forward")
    }

    /// The Winograd and direct paths give the same gradients as im2col (up to rounding) on shapes
    /// with odd outputs, padding, and channel counts that are not multiples of the vector width
    /// or the direct tile's 8 rows.
    @Test(arguments: [(9, 8, 7, 5, 3, 1), (40, 6, 5, 33, 3, 2), (16, 4, 4, 64, 3, 0), (32, 6, 8, 20, 3, 0), (32, 10, 10, 64, 3, 0),
                      (12, 13, 11, 7, 3, 1), (1, 28, 28, 8, 5, 2), (8, 14, 14, 16, 5, 0), (3, 9, 17, 11, 5, 4), (1, 7, 5, 3, 3, 1),
                      (2, 30, 3, 9, 2, 1), (3, 9, 8, 24, 5, 2), (5, 6, 11, 12, 5, 0), (16, 7, 9, 33, 1, 0), (5, 3, 11, 12, 1, 0)])
    func backwardMatchesIm2col(c: Int, h: Int, w: Int, k: Int, kernel: Int, pad: Int) throws {
        let g = try #require(ConvolutionGeometry(input: FeatureShape(channels: c, height: h, width: w), outputChannels: k,
                                                 kernelHeight: kernel, kernelWidth: kernel, stride: 1, padding: pad))
        let im2col = try #require(Conv2D(geometry: g, algorithm: .im2col))
        let batch = 3
        let x = testValues(batch * g.inputCount, seed: 31), p = testValues(im2col.parameterCount, seed: 32)
        let dy = testValues(batch * g.outputCount, seed: 33)
        let (dxI, dpI) = LayerHarness(layer: im2col, batch: batch).backward(x, p, dy: dy)
        for algorithm in [Conv2D.ConvolutionAlgorithm.direct, .winograd2x2, .winograd4x4] {
            guard let fast = Conv2D(geometry: g, algorithm: algorithm) else { continue }
            let (dxF, dpF) = LayerHarness(layer: fast, batch: batch).backward(x, p, dy: dy)
            expectClose(dxF, dxI, atol: 1e-4, rtol: 1e-4, "\(algorithm) C\(c) \(h)x\(w) K\(k) k\(kernel) p\(pad) dx")
            expectClose(dpF, dpI, atol: 1e-4, rtol: 1e-4, "\(algorithm) C\(c) \(h)x\(w) K\(k) k\(kernel) p\(pad) dParameters")
        }
    }

    /// Winograd stacks the tiles of up to 4 samples in one GEMM (3 on a 14 × 14 image, whose 16
    /// tiles a sample fill 48 rows): a sample's output and input gradient are bit for bit the
    /// same whether it runs alone, in a full group or in the short last group of a batch of 5.
    @Test(arguments: [(32, 14, 14, 64, 1, 1), (16, 9, 11, 8, 1, 2), (12, 14, 14, 20, 2, 2)])
    func winogradGroupsChangeNoBit(c: Int, h: Int, w: Int, k: Int, pad: Int, dilation: Int) throws {
        let g = try #require(ConvolutionGeometry(input: FeatureShape(channels: c, height: h, width: w), outputChannels: k,
                                                 kernelHeight: 3, kernelWidth: 3, stride: 1, padding: pad, dilation: dilation))
        for algorithm in [Conv2D.ConvolutionAlgorithm.winograd2x2, .winograd4x4] {
            let layer = try #require(Conv2D(geometry: g, algorithm: algorithm))
            let batch = 5, p = testValues(layer.parameterCount, seed: 36)
            let x = testValues(batch * g.inputCount, seed: 34), dy = testValues(batch * g.outputCount, seed: 35)
            let y = LayerHarness(layer: layer, batch: batch).forward(x, p)
            let (dx, _) = LayerHarness(layer: layer, batch: batch).backward(x, p, dy: dy)
            for n in 0 ..< batch {
                let xn = Array(x[n * g.inputCount ..< (n + 1) * g.inputCount]), dyn = Array(dy[n * g.outputCount ..< (n + 1) * g.outputCount])
                let alone = LayerHarness(layer: layer, batch: 1)
                #expect(alone.forward(xn, p) == Array(y[n * g.outputCount ..< (n + 1) * g.outputCount]), "\(algorithm) sample \(n) forward")
                #expect(alone.backward(xn, p, dy: dyn).0 == Array(dx[n * g.inputCount ..< (n + 1) * g.inputCount]), "\(algorithm) sample \(n) dx")
            }
        }
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

/// A convolution that keeps its training forward pass's patch matrices for the backward pass
/// (`Conv2D.keepsPatches`, the layers a spec builds) computes the same gradients, bit for bit,
/// as one that builds them again, including batches cut into several groups (the last one
/// short) and strides, dilations and uneven padding that run on im2col.
@Suite struct PatchCacheTests {
    @Test(arguments: [(3, 21, 20, 5, 3, 2, 1, 1, 45), (2, 14, 14, 4, 3, 2, 1, 1, 33), (1, 11, 9, 3, 3, 3, 2, 1, 5),
                      (4, 12, 13, 6, 3, 1, 2, 3, 19), (2, 9, 8, 7, 2, 2, 0, 1, 1)])
    func keptPatchesChangeNoBit(c: Int, h: Int, w: Int, k: Int, kernel: Int, stride: Int, pad: Int, dilation: Int, batch: Int) throws {
        let g = try #require(ConvolutionGeometry(input: FeatureShape(channels: c, height: h, width: w), outputChannels: k,
                                                 kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: pad, dilation: dilation))
        let keeping = try #require(Conv2D(geometry: g, algorithm: .im2col, keepsPatches: true))
        let building = try #require(Conv2D(geometry: g, algorithm: .im2col))
        #expect(keeping.cacheCount(batch: batch) >= batch * g.patchSize * g.outputPixels && building.cacheCount(batch: batch) == 0)
        let x = testValues(batch * g.inputCount, seed: 31), p = testValues(keeping.parameterCount, seed: 32)
        let dy = testValues(batch * g.outputCount, seed: 33)
        let kept = LayerHarness(layer: keeping, batch: batch).backward(x, p, dy: dy)
        let built = LayerHarness(layer: building, batch: batch).backward(x, p, dy: dy)
        #expect(kept.dParameters.map(\.bitPattern) == built.dParameters.map(\.bitPattern))
        #expect(kept.dx.map(\.bitPattern) == built.dx.map(\.bitPattern))
    }
}
