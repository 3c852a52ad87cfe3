import Foundation
import Testing
import Fovea

/// The activation kinds: values a reader can check on paper, agreement with the C library's
/// functions in Double over the whole float range, NaN passing through, and central-difference
/// gradient checks.
@Suite struct ActivationTests {
    @Test(arguments: [
        ("sigmoid", [-2, 0, 2], [Float(1 / (1 + exp(2.0))), 0.5, Float(1 / (1 + exp(-2.0)))]),
        ("tanh", [-1, 0, 0.5], [Float(tanh(-1.0)), 0, Float(tanh(0.5))]),
        ("leakyrelu", [-2, 0, 3], [-0.02, 0, 3]),
        ("leakyrelu(0.5)", [-2, -0.5, 3], [-1, -0.25, 3]),
        ("elu", [-1, 0, 3], [Float(exp(-1.0) - 1), 0, 3]),
        ("elu(2)", [-1, 1], [Float(2 * (exp(-1.0) - 1)), 1]),
        ("relu", [-1, 0, 2], [0, 0, 2]),
    ] as [(String, [Float], [Float])])
    func handExamples(spec: String, x: [Float], expected: [Float]) throws {
        let y = try LayerFunction(spec).forward(x, shape: [x.count])
        #expect(y.shape == [x.count])
        expectClose(y.values, expected, atol: 0, rtol: 2.5e-7, spec)
    }

    /// Inputs across the float range (tiny, around the polynomial branch points, large, huge),
    /// 1001 of them (not a multiple of the vector width), against Double formulas.
    static let sweep: [Float] = {
        var values: [Float] = [0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-4, -1e-4, 0.2499, 0.25, 0.2501, -0.25, 80, -80, 88, -88, 89, -89, 100, -100, 1e30, -1e30]
        values += (0 ..< 1001 - values.count).map { Float($0) * 0.043 - 21.5 }
        return values
    }()

    /// The definition in Double.
    static func reference(_ spec: String, _ x: Double) -> Double {
        switch spec {
        case "sigmoid": 1 / (1 + exp(-x))
        case "tanh": tanh(x)
        case "elu": x > 0 ? x : expm1(x)
        default: x > 0 ? x : 0.1 * x
        }
    }

    @Test(arguments: ["sigmoid", "tanh", "elu", "leakyrelu(0.1)"])
    func agreesWithTheCLibrary(spec: String) throws {
        let x = ActivationTests.sweep
        let y = try LayerFunction(spec).forward(x, shape: [x.count]).values
        for (input, output) in zip(x, y) {
            let expected = ActivationTests.reference(spec, Double(input))
            // 4 ulp of the result; below the smallest normal float, that float (`VectorMath.exp`
            // stops at it: sigmoid's far negative tail is about 1e−38 instead of subnormal).
            let tolerance = max(abs(expected) * 4 * Double(Float.ulpOfOne), 2 * Double(Float.leastNormalMagnitude))
            #expect(abs(Double(output) - expected) <= tolerance, "\(spec)(\(input)) = \(output), expected \(expected)")
        }
    }

    @Test(arguments: ["sigmoid", "tanh", "elu", "leakyrelu"])
    func nanPassesThrough(spec: String) throws {
        let y = try LayerFunction(spec).forward([.nan, 1, .nan], shape: [3]).values
        #expect(y[0].isNaN && y[2].isNaN && !y[1].isNaN)
    }

    /// Values at least 0.05 away from 0, where leaky ReLU and ELU (with A ≠ 1) have kinks; 3 × 7
    /// × 5 per sample, so the vector tail is exercised.
    @Test(arguments: ["sigmoid", "tanh", "elu", "elu(0.5)", "leakyrelu", "leakyrelu(0.3)"])
    func gradientCheck(spec: String) throws {
        let batch = 2
        let (layer, _) = try LayerFunction(spec).layer(for: [batch, 3, 7, 5])
        let x = testValues(batch * 105, seed: 12).map { ($0 >= 0 ? $0 + 0.05 : $0 - 0.05) * 3 }
        GradientCheckTests().check(layer, batch: batch, x: x, parameters: [], spec)
    }
}
