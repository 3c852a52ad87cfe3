import Testing
import Fovea

/// Every layer's backward pass against central differences of `L = Σ y · r` (r fixed and
/// random), element by element, on small odd shapes with padding and stride. Inputs are chosen
/// away from the kinks of ReLU and max pooling, so the differences are exact up to rounding.
@Suite struct GradientCheckTests {
    static let h: Float = 1e-2

    /// Checks dx and dParameters of `layer` on `x` and `parameters`.
    func check(_ layer: any Layer, batch: Int, x: [Float], parameters: [Float], _ name: String,
               sourceLocation: SourceLocation = #_sourceLocation) {
        let harness = LayerHarness(layer: layer, batch: batch)
        let r = testValues(harness.outputCount, seed: 99)
        let (dx, dp) = harness.backward(x, parameters, dy: r)
        let numericX = numericalGradient(x, h: GradientCheckTests.h) { dot(harness.forward($0, parameters), r) }
        expectClose(dx, numericX, atol: 2e-3, rtol: 2e-3, "\(name) dx", sourceLocation: sourceLocation)
        if !parameters.isEmpty {
            let numericP = numericalGradient(parameters, h: GradientCheckTests.h) { dot(harness.forward(x, $0), r) }
            expectClose(dp, numericP, atol: 2e-3, rtol: 2e-3, "\(name) dParameters", sourceLocation: sourceLocation)
        }
    }

    struct ConvCase: Sendable, CustomStringConvertible {
        let channels, height, width, filters, kernel, stride, padding: Int
        var description: String { "C\(channels) \(height)x\(width) K\(filters) k\(kernel) s\(stride) p\(padding)" }
    }

    @Test(arguments: [
        ConvCase(channels: 1, height: 5, width: 5, filters: 2, kernel: 3, stride: 1, padding: 0),
        ConvCase(channels: 3, height: 5, width: 7, filters: 4, kernel: 3, stride: 1, padding: 1),
        ConvCase(channels: 2, height: 7, width: 6, filters: 3, kernel: 3, stride: 2, padding: 1),
        ConvCase(channels: 2, height: 6, width: 5, filters: 13, kernel: 2, stride: 3, padding: 2),
        ConvCase(channels: 3, height: 9, width: 9, filters: 5, kernel: 5, stride: 2, padding: 0),
        ConvCase(channels: 1, height: 2, width: 3, filters: 2, kernel: 5, stride: 2, padding: 2),
        // Stride 2 on rows longer than one vector of 16 (the phase window is filled and read
        // back 16 columns at a time; odd and even left padding swap the phases).
        ConvCase(channels: 2, height: 3, width: 33, filters: 3, kernel: 3, stride: 2, padding: 1),
        ConvCase(channels: 1, height: 4, width: 28, filters: 2, kernel: 3, stride: 2, padding: 2),
        // Winograd F(2×2, 3×3) and F(4×4, 3×3): output sizes that are not a multiple of the
        // tile, padding, channels not a multiple of 16.
        ConvCase(channels: 8, height: 5, width: 6, filters: 3, kernel: 3, stride: 1, padding: 1),
        ConvCase(channels: 9, height: 4, width: 3, filters: 17, kernel: 3, stride: 1, padding: 0),
        ConvCase(channels: 8, height: 9, width: 7, filters: 3, kernel: 3, stride: 1, padding: 1),
    ])
    func convolution(_ c: ConvCase) throws {
        let geometry = try #require(ConvolutionGeometry(
            input: FeatureShape(channels: c.channels, height: c.height, width: c.width), outputChannels: c.filters,
            kernelHeight: c.kernel, kernelWidth: c.kernel, stride: c.stride, padding: c.padding))
        let layer = Conv2D(geometry: geometry)
        let expected: Conv2D.ConvolutionAlgorithm = switch geometry.preferredWinogradTile {
        case nil: c.stride == 1 && c.padding < c.kernel ? .direct : .im2col
        case 2: .winograd2x2
        default: .winograd4x4
        }
        #expect(layer.algorithm == expected)
        let batch = 2
        check(layer, batch: batch, x: testValues(batch * geometry.inputCount, seed: 1),
              parameters: testValues(layer.parameterCount, seed: 2), "conv \(c)")
    }

    @Test func dense() {
        let layer = Dense(inputFeatures: 7, outputFeatures: 5)
        check(layer, batch: 3, x: testValues(21, seed: 3), parameters: testValues(layer.parameterCount, seed: 4), "dense")
    }

    /// A dense layer wide enough for several GEMM depth blocks and column panels.
    @Test func wideDense() {
        let layer = Dense(inputFeatures: 300, outputFeatures: 40)
        let batch = 2
        let harness = LayerHarness(layer: layer, batch: batch)
        let x = testValues(batch * 300, seed: 5), p = testValues(layer.parameterCount, seed: 6)
        let r = testValues(harness.outputCount, seed: 7)
        let (dx, _) = harness.backward(x, p, dy: r)
        let numeric = numericalGradient(x, h: GradientCheckTests.h) { dot(harness.forward($0, p), r) }
        expectClose(dx, numeric, atol: 2e-3, rtol: 2e-3, "wide dense dx")
    }

    @Test func relu() {
        // Values at least 0.05 away from the kink at 0.
        let x = testValues(2 * 3 * 4 * 5, seed: 8).map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 }
        check(ReLU(shape: FeatureShape(channels: 3, height: 4, width: 5)), batch: 2, x: x, parameters: [], "relu")
    }

    /// Odd heights take the exact 2 × 2 path; even planes up to 32 wide the one whose vectors
    /// spill into the next rows (28 × 8: the MNIST width, 4 planes).
    @Test(arguments: [(2, 2, 6, 7), (3, 2, 6, 7), (2, 3, 6, 7), (3, 1, 6, 7), (2, 2, 35, 7), (2, 2, 40, 7), (2, 2, 28, 8), (2, 2, 6, 4)])
    func maxPool(kernel: Int, stride: Int, width: Int, height: Int) throws {
        let shape = FeatureShape(channels: 2, height: height, width: width)
        let layer = try #require(MaxPool2D(input: shape, kernel: kernel, stride: stride))
        // Distinct values 0.05 apart in a scrambled order: no ties, no kink within h.
        let count = 2 * shape.count
        let x = (0 ..< count).map { Float(($0 * 37) % count) * 0.05 - 1 }
        check(layer, batch: 2, x: x, parameters: [], "maxpool \(kernel)/\(stride) \(height)x\(width)")
    }

    /// A window whose maximum appears twice routes its gradient to the first in row-major
    /// order, in the vectorised 2 × 2 path and the general one alike.
    @Test(arguments: [2, 3])
    func maxPoolTiesGoToTheFirstPosition(kernel: Int) throws {
        let shape = FeatureShape(channels: 1, height: 2 * kernel, width: 18 * kernel)
        let layer = try #require(MaxPool2D(input: shape, kernel: kernel, stride: kernel))
        // Window w: zero everywhere, except 1 at the last two positions when w is odd.
        var x = [Float](repeating: 0, count: shape.count)
        let q = layer.outputShape.width
        for p in 0 ..< layer.outputShape.height {
            for w in stride(from: 1, to: q, by: 2) {
                let lastRow = (p * kernel + kernel - 1) * shape.width + w * kernel
                x[lastRow + kernel - 2] = 1
                x[lastRow + kernel - 1] = 1
            }
        }
        let dy = (0 ..< layer.outputShape.count).map { Float($0 + 1) }
        let (dx, _) = LayerHarness(layer: layer, batch: 1).backward(x, [], dy: dy)
        var expected = [Float](repeating: 0, count: shape.count)
        for p in 0 ..< layer.outputShape.height {
            for w in 0 ..< q {
                let first = w % 2 == 1 ? (p * kernel + kernel - 1) * shape.width + w * kernel + kernel - 2
                                       : p * kernel * shape.width + w * kernel
                expected[first] = dy[p * q + w]
            }
        }
        #expect(dx == expected)
    }

    @Test func dropout() {
        check(Dropout(shape: FeatureShape(channels: 3, height: 2, width: 3), rate: 0.4), batch: 3,
              x: testValues(54, seed: 9), parameters: [], "dropout")
    }

    /// Value `i` of sample `b` is kept (scaled by `1 / (1 − rate)`) exactly when the documented
    /// draw `random.child(b).uniformPair(i / 2)` is below `1 − rate`: the 16-lane path and the
    /// scalar tail (37 values per sample) alike.
    @Test func dropoutDrawsTheDocumentedMask() {
        let rate = 0.3, batch = 2, count = 37
        let harness = LayerHarness(layer: Dropout(shape: FeatureShape(channels: 1, height: count, width: 1), rate: rate), batch: batch)
        let y = harness.forward([Float](repeating: 1, count: batch * count), [])
        let keep = Float(1 - rate)
        let expected = (0 ..< batch).flatMap { b in
            (0 ..< count).map { i -> Float in
                let (u0, u1) = harness.random.child(UInt64(b)).uniformPair(UInt64(i / 2))
                return (i % 2 == 0 ? u0 : u1) < keep ? 1 / keep : 0
            }
        }
        #expect(y == expected)
        #expect(y.contains(0) && y.contains(1 / keep))
    }

    @Test func flatten() {
        check(Flatten(shape: FeatureShape(channels: 2, height: 3, width: 2)), batch: 2, x: testValues(24, seed: 10),
              parameters: [], "flatten")
    }

    /// dLogits of softmax cross-entropy against differences of the summed loss.
    @Test func softmaxCrossEntropy() {
        let batch = 4, classes = 5
        let logits = testValues(batch * classes, seed: 11).map { $0 * 3 }
        let labels: [UInt8] = [0, 3, 4, 1]
        func loss(_ z: [Float]) -> Double {
            z.withUnsafeBufferPointer { z in
                labels.withUnsafeBufferPointer { l in
                    SoftmaxCrossEntropy.evaluate(output: z.baseAddress!, outputCount: classes,
                                                 targets: LossTargets(labels: l.baseAddress!, images: z.baseAddress!, sampleSize: classes),
                                                 batch: batch, dOutput: nil, gradientScale: 1).loss
                }
            }
        }
        var dz = [Float](repeating: 0, count: batch * classes)
        logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                dz.withUnsafeMutableBufferPointer { d in
                    _ = SoftmaxCrossEntropy.evaluate(output: z.baseAddress!, outputCount: classes,
                                                     targets: LossTargets(labels: l.baseAddress!, images: z.baseAddress!, sampleSize: classes),
                                                     batch: batch, dOutput: d.baseAddress!, gradientScale: 1)
                }
            }
        }
        expectClose(dz, numericalGradient(logits, h: 1e-2, loss), atol: 1e-3, rtol: 1e-3, "softmax cross-entropy")
    }

    /// Huge logits do not overflow (log-sum-exp), and each row of the gradient sums to 0.
    @Test func softmaxIsStable() {
        let logits: [Float] = [1000, 999, -1000, 50, 51, 52]
        let labels: [UInt8] = [1, 2]
        var dz = [Float](repeating: 0, count: 6)
        let totals = logits.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { l in
                dz.withUnsafeMutableBufferPointer { d in
                    SoftmaxCrossEntropy.evaluate(output: z.baseAddress!, outputCount: 3,
                                                 targets: LossTargets(labels: l.baseAddress!, images: z.baseAddress!, sampleSize: 3),
                                                 batch: 2, dOutput: d.baseAddress!, gradientScale: 1)
                }
            }
        }
        // Row 0: loss = log(1 + e + e^-2000) − ... = 1.3132617; row 1: log(e^-2 + e^-1 + 1) = 0.4076059.
        #expect(abs(totals.loss - (1.3132616875182228 + 0.40760596444438)) < 1e-6)
        #expect(totals.correct == 1)
        #expect(abs(dz[0] + dz[1] + dz[2]) < 1e-6 && abs(dz[3] + dz[4] + dz[5]) < 1e-6)
    }
}
