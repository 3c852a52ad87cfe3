import Testing
import Fovea

/// The pooling kinds: small examples a reader can check on paper, an independent naive
/// reference on ragged shapes, and central-difference gradient checks.
@Suite struct PoolingTests {
    /// The 4 × 4 image of the hand examples:
    /// ```
    ///  1  3  2  0
    ///  4  6  5  1
    ///  7  2  9  8
    ///  0  3  1  4
    /// ```
    static let image: [Float] = [1, 3, 2, 0, 4, 6, 5, 1, 7, 2, 9, 8, 0, 3, 1, 4]

    /// Each pooling on the 4 × 4 image, forward, through the public `LayerFunction`.
    @Test(arguments: [
        ("maxpool(2)", [2, 2], [6, 5, 7, 9]),
        ("minpool(2)", [2, 2], [1, 0, 0, 1]),
        ("sumpool(2)", [2, 2], [14, 8, 12, 22]),
        ("avgpool(2)", [2, 2], [3.5, 2, 3, 5.5]),
        ("minpool(2,stride=1)", [3, 3], [1, 2, 0, 2, 2, 1, 0, 1, 1]),
        ("sumpool(2,stride=1)", [3, 3], [14, 16, 8, 19, 22, 23, 12, 15, 22]),
        ("avgpool(3,stride=1)", [2, 2], [39.0 / 9, 36.0 / 9, 37.0 / 9, 39.0 / 9]),
        // Padding 1: windows at the border hold 1 or 2 image cells. Max never takes the padding;
        // average divides by K² = 4 all the same (PyTorch's count_include_pad=True).
        ("maxpool(2,pad=1)", [3, 3], [1, 3, 0, 7, 9, 8, 0, 3, 4]),
        ("avgpool(2,pad=1)", [3, 3], [0.25, 1.25, 0, 2.75, 5.5, 2.25, 0, 1, 1]),
        ("sumpool(3,stride=2,pad=1)", [2, 2], [14, 17, 22, 39]),
        ("globalavgpool", [1], [3.5]),
    ] as [(String, [Int], [Float])])
    func handExamples(spec: String, shape: [Int], expected: [Float]) throws {
        let y = try LayerFunction(spec).forward(PoolingTests.image, shape: [1, 4, 4])
        #expect(y.shape == (shape.count == 1 ? shape : [1] + shape))
        #expect(y.values == expected)
    }

    /// Backward on the 4 × 4 image with `dy = 1, 2, 3, 4`: max pooling hands each gradient to
    /// its window's maximum, average pooling spreads a quarter to every cell.
    @Test func handGradients() throws {
        let dy: [Float] = [1, 2, 3, 4]
        let maximum = try LayerFunction("maxpool(2)").backward(PoolingTests.image, shape: [1, 4, 4], dOutput: dy)
        #expect(maximum.dInput == [0, 0, 0, 0,
                                   0, 1, 2, 0,
                                   3, 0, 4, 0,
                                   0, 0, 0, 0])
        let average = try LayerFunction("avgpool(2)").backward(PoolingTests.image, shape: [1, 4, 4], dOutput: dy)
        #expect(average.dInput == [0.25, 0.25, 0.5, 0.5,
                                   0.25, 0.25, 0.5, 0.5,
                                   0.75, 0.75, 1, 1,
                                   0.75, 0.75, 1, 1])
        let global = try LayerFunction("globalavgpool").backward(PoolingTests.image, shape: [1, 4, 4], dOutput: [8])
        #expect(global.dInput == [Float](repeating: 0.5, count: 16))
    }

    /// Padding never wins max pooling, even where every image cell is negative.
    @Test func paddingNeverWins() throws {
        let negative = PoolingTests.image.map { -$0 - 1 }
        let y = try LayerFunction("maxpool(3,stride=3,pad=1)").forward(negative, shape: [1, 4, 4])
        #expect(y.values == [-2, -1, -1, -2])
        let z = try LayerFunction("minpool(3,stride=3,pad=1)").forward(PoolingTests.image, shape: [1, 4, 4])
        #expect(z.values == [1, 0, 0, 1])
    }

    struct Case: Sendable, CustomStringConvertible {
        let spec: String
        let channels, height, width: Int
        var description: String { "\(spec) on \(channels)x\(height)x\(width)" }
    }

    /// Geometries: the vectorised 2 × 2 path (odd sizes, rows wider than one vector, the
    /// spilling 28-wide rows), overlapping windows, strides above the window, padding.
    static let cases: [Case] = ["maxpool", "minpool", "sumpool", "avgpool"].flatMap { kind in
        [Case(spec: "\(kind)(2)", channels: 3, height: 7, width: 9),
         Case(spec: "\(kind)(2)", channels: 2, height: 6, width: 34),
         Case(spec: "\(kind)(2)", channels: 2, height: 4, width: 28),
         Case(spec: "\(kind)(3,stride=2,pad=1)", channels: 2, height: 7, width: 6),
         Case(spec: "\(kind)(3,stride=1,pad=1)", channels: 1, height: 5, width: 7),
         Case(spec: "\(kind)(2,stride=3)", channels: 2, height: 8, width: 7),
         Case(spec: "\(kind)(5,stride=2,pad=2)", channels: 1, height: 6, width: 5)]
    }

    /// Forward and backward against a naive reference written from the definition: the input
    /// padded explicitly (with −∞ for max, +∞ for min, 0 for sum and average), every window
    /// reduced in Double, every gradient routed from scratch.
    @Test(arguments: cases)
    func matchesNaiveReference(_ c: Case) throws {
        let batch = 2
        let shape = [batch, c.channels, c.height, c.width]
        let count = shape.reduce(1, *)
        // Distinct values: no ties, so the maximum and minimum are unambiguous.
        let x = (0 ..< count).map { Float(($0 * 37) % count) * 0.05 - 1 }
        let function = try LayerFunction(c.spec)
        let (layer, _) = try function.layer(for: shape)
        let y = try function.forward(x, shape: shape)
        let dy = testValues(y.values.count, seed: 3)
        let dx = try function.backward(x, shape: shape, dOutput: dy).dInput
        let reference = NaivePooling(spec: c.spec, layer: layer, batch: batch)
        let (yRef, dxRef) = reference.run(x, dy)
        if c.spec.hasPrefix("max") || c.spec.hasPrefix("min") {
            #expect(y.values == yRef.map(Float.init), "\(c)")
            // Every gradient lands where the reference puts it (overlapping windows add up in
            // Float here, in Double there).
            #expect(dx.map { $0 == 0 } == dxRef.map { $0 == 0 }, "\(c)")
        } else {
            expectClose(y.values, yRef.map(Float.init), atol: 1e-5, rtol: 1e-5, "\(c) y")
        }
        expectClose(dx, dxRef.map(Float.init), atol: 1e-6, rtol: 1e-5, "\(c) dx")
    }

    /// Central differences of `Σ y · r` against the backward pass.
    @Test(arguments: cases)
    func gradientCheck(_ c: Case) throws {
        let batch = 2
        let (layer, _) = try LayerFunction(c.spec).layer(for: [batch, c.channels, c.height, c.width])
        let count = batch * layer.inputShape.count
        let x = (0 ..< count).map { Float(($0 * 37) % count) * 0.05 - 1 }
        GradientCheckTests().check(layer, batch: batch, x: x, parameters: [], c.description)
    }

    @Test func globalAveragePoolingGradient() {
        let layer = GlobalAvgPool(input: FeatureShape(channels: 3, height: 5, width: 7))
        GradientCheckTests().check(layer, batch: 2, x: testValues(2 * 105, seed: 4), parameters: [], "globalavgpool")
    }
}

/// Pooling computed from its definition, in Double, for `PoolingTests`.
private struct NaivePooling {
    let kernel, stride, padding: Int
    let input, output: FeatureShape
    let batch: Int
    /// "max", "min", "sum" or "avg".
    let reduction: String

    init(spec: String, layer: any Layer, batch: Int) {
        let g = (layer as? any PoolingLayer)!.geometry
        kernel = g.kernel
        stride = g.stride
        padding = g.padding
        input = layer.inputShape
        output = layer.outputShape
        self.batch = batch
        reduction = String(spec.prefix(3))
    }

    func run(_ x: [Float], _ dy: [Float]) -> (y: [Double], dx: [Double]) {
        let paddedHeight = input.height + 2 * padding, paddedWidth = input.width + 2 * padding
        let fill: Double = reduction == "max" ? -.infinity : reduction == "min" ? .infinity : 0
        var y: [Double] = [], dx = [Double](repeating: 0, count: x.count)
        for plane in 0 ..< batch * input.channels {
            // The plane with its padding written out.
            var padded = [Double](repeating: fill, count: paddedHeight * paddedWidth)
            for h in 0 ..< input.height {
                for w in 0 ..< input.width {
                    padded[(h + padding) * paddedWidth + w + padding] = Double(x[plane * input.count / input.channels + h * input.width + w])
                }
            }
            for p in 0 ..< output.height {
                for q in 0 ..< output.width {
                    var cells: [(value: Double, h: Int, w: Int)] = []
                    for r in 0 ..< kernel {
                        for s in 0 ..< kernel {
                            cells.append((padded[(p * stride + r) * paddedWidth + q * stride + s], p * stride + r - padding, q * stride + s - padding))
                        }
                    }
                    let gradient = Double(dy[plane * output.height * output.width + p * output.width + q])
                    let inside = { (cell: (value: Double, h: Int, w: Int)) in
                        cell.h >= 0 && cell.h < input.height && cell.w >= 0 && cell.w < input.width
                    }
                    let planeStart = plane * input.height * input.width
                    switch reduction {
                    case "max", "min":
                        let best = reduction == "max" ? cells.map(\.value).max()! : cells.map(\.value).min()!
                        y.append(best)
                        let first = cells.first { $0.value == best }!
                        dx[planeStart + first.h * input.width + first.w] += gradient
                    default:
                        let divisor = reduction == "avg" ? Double(kernel * kernel) : 1
                        y.append(cells.map(\.value).reduce(0, +) / divisor)
                        for cell in cells where inside(cell) { dx[planeStart + cell.h * input.width + cell.w] += gradient / divisor }
                    }
                }
            }
        }
        return (y, dx)
    }
}
