import Testing
import Fovea

/// `LayerFunction`, the eager call behind `fovea apply` and the hand-example tests.
@Suite struct LayerFunctionTests {
    /// The example: a 3 × 3 kernel moved by 2 over a 5 × 5 image gives 2 × 2 outputs;
    /// with the kernel of ones and bias 1 each output is its window's sum plus 1.
    @Test func convolutionWithStride() throws {
        let x = (1 ... 25).map(Float.init)   // rows 1…5, 6…10, …
        let y = try LayerFunction("conv(1,3,stride=2)").forward(x, shape: [1, 5, 5],
                                                                parameters: [[Float](repeating: 1, count: 9), [1]])
        #expect(y.shape == [1, 2, 2])
        // Window at (0, 0): 1+2+3 + 6+7+8 + 11+12+13 = 63; each step of 2 right adds 2·9, down 10·9.
        #expect(y.values == [64, 82, 154, 172])
    }

    /// Batches keep their axis; flat features stay flat.
    @Test func shapes() throws {
        let pool = try LayerFunction("maxpool(2)")
        let batch = try pool.forward((0 ..< 32).map(Float.init), shape: [2, 1, 4, 4])
        #expect(batch.shape == [2, 1, 2, 2] && batch.values == [5, 7, 13, 15, 21, 23, 29, 31])
        let flat = try LayerFunction("relu").forward([-1, 2, -3, 4], shape: [2, 2])
        #expect(flat.shape == [2, 2] && flat.values == [0, 2, 0, 4])
        let global = try LayerFunction("globalavgpool").forward([1, 3, 5, 7], shape: [2, 1, 2])
        #expect(global.shape == [2] && global.values == [2, 6])
    }

    @Test func gradientsComeBackPerTensor() throws {
        let dense = try LayerFunction("dense(2)")
        let (dx, dp) = try dense.backward([1, 2, 3], shape: [3], dOutput: [1, -1], parameters: [[1, 0, 0, 0, 1, 0], [0, 0]])
        #expect(dx == [1, -1, 0])
        #expect(dp == [[1, 2, 3, -1, -2, -3], [1, -1]])
    }

    @Test(arguments: [
        ("conv(1,3)", [1, 5, 5], 25, [[Float]](), "the layer has 2 parameter tensors (weight [1, 1, 3, 3], bias [1]), got 0"),
        ("conv(1,3)", [1, 5, 5], 25, [[Float](repeating: 0, count: 8), [0]], "parameter weight [1, 1, 3, 3] holds 9 values, got 8"),
        ("relu", [1, 5, 5], 24, [], "the input has 24 values; its shape says 25"),
        ("relu", [1, 0, 5], 0, [], "an input shape is [C, H, W], [N, C, H, W], [F] or [N, F] with positive sizes and at most 2147483648 values, got [1, 0, 5]"),
        ("dense(2)", [1, 2, 2], 4, [], "dense(2): a dense layer needs flat features but gets [1, 2, 2] (add 'flatten' before it)"),
        ("nonsense(2)", [1], 1, [], "model spec, column 1, 'nonsense(2)': unknown layer 'nonsense' (expected one of \(LayerRegistry.tokenList), or a preset: mnist-cnn, lenet-small, mlp, mnist-fast, vgg-bn, zoo, gausnet, autoencoder, denoiser)"),
    ] as [(String, [Int], Int, [[Float]], String)])
    func refusals(spec: String, shape: [Int], count: Int, parameters: [[Float]], message: String) {
        #expect(throws: LayerFunctionError(message)) {
            try LayerFunction(spec).forward([Float](repeating: 1, count: count), shape: shape, parameters: parameters)
        }
    }
}
