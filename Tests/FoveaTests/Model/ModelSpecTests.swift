import Testing
import Fovea

@Suite struct ModelSpecTests {
    /// Keras-style parameter counts of the presets, as the issue states them.
    @Test(arguments: [("mnist-cnn", 1_199_882), ("lenet-small", 62_558), ("mlp", 235_146), ("mnist-fast", 83_250), ("vgg-bn", 871_530), ("zoo", 25_866)])
    func presetParameterCounts(name: String, count: Int) throws {
        let network = try Network(spec: ModelSpec(name), inputShape: FeatureShape(channels: 1, height: 28, width: 28), classes: 10)
        #expect(network.parameterCount == count)
    }

    /// GausNet on 91 × 91 images, one logit for binary cross-entropy: 60 + 220 + 1,936·50 + 50 + 51.
    @Test func gausnetIsTheIssuesSpec() throws {
        #expect(try ModelSpec("gausnet").description
            == "conv(6,3,pad=1) relu avgpool(2) conv(4,3,pad=1) relu avgpool(2) flatten dense(50) dense(1)")
        let network = try Network(spec: ModelSpec("gausnet"), inputShape: FeatureShape(channels: 1, height: 91, width: 91), classes: 2,
                                  loss: BinaryCrossEntropy.self)
        #expect(network.parameterCount == 97_181 && network.outputCount == 1)
        #expect(network.layers.map { $0.outputShape.description }[6] == "[1936]")
    }

    @Test func mnistCNNIsTheIssuesSpec() throws {
        #expect(try ModelSpec("mnist-cnn").description
            == "conv(32,3) relu conv(64,3) relu maxpool(2) dropout(0.25) flatten dense(128) relu dropout(0.5) dense(10)")
    }

    /// The canonical form parses back to the same model, and is a fixed point.
    @Test(arguments: ["conv(8, 5, pad=2) relu maxpool(2)  conv(16,5,stride=2) flatten dense(10)",
                      "conv(4,3,pad=1,stride=2) maxpool(3,stride=2) dropout(0.125) flatten dense(10)",
                      "mnist-cnn", "lenet-small", "mlp", "mnist-fast", "vgg-bn", "zoo", "gausnet"])
    func roundTrip(text: String) throws {
        let spec = try ModelSpec(text)
        let again = try ModelSpec(spec.description)
        #expect(again == spec)
        #expect(again.description == spec.description)
    }

    @Test func canonicalOmitsDefaults() throws {
        #expect(try ModelSpec("conv(8,5,stride=1,pad=0) maxpool(2,stride=2) flatten dense(10)").description
            == "conv(8,5) maxpool(2) flatten dense(10)")
    }

    /// Each error names the token, its column and what is wrong.
    @Test(arguments: [
        ("conv(32,3) relu conc(64,3) flatten dense(10)",
         "model spec, column 17, 'conc(64,3)': unknown layer 'conc' (expected one of \(LayerRegistry.tokenList), or a preset: mnist-cnn, lenet-small, mlp, mnist-fast, vgg-bn, zoo, gausnet, autoencoder, denoiser)"),
        ("conv(32) flatten dense(10)", "model spec, column 1, 'conv(32)': conv takes 2 positional arguments (conv(filters,kernel,stride=…,pad=…,dilation=…)), got 1"),
        ("conv(32,3,pad=-1) flatten dense(10)", "model spec, column 1, 'conv(32,3,pad=-1)': pad must be at least 0, got -1"),
        ("flatten dropout(1.5) dense(10)", "model spec, column 9, 'dropout(1.5)': the dropout rate must be a number in [0, 1), got '1.5'"),
        ("flatten dense(x)", "model spec, column 9, 'dense(x)': the number of units must be a whole number, got 'x'"),
        ("relu(2) flatten dense(10)", "model spec, column 1, 'relu(2)': relu takes no arguments"),
        ("conv(4,3,size=2)", "model spec, column 1, 'conv(4,3,size=2)': unknown argument 'size' (conv(filters,kernel,stride=…,pad=…,dilation=…))"),
        ("flatten dense(10", "model spec, column 9, 'dense(10': missing ')'"),
        ("   ", "model spec: the model spec is empty (give a preset such as mnist-cnn, or layers such as 'conv(32,3) relu flatten dense(10)')"),
    ])
    func parseErrors(text: String, message: String) {
        #expect(throws: ModelSpecError.self) { try ModelSpec(text) }
        do {
            _ = try ModelSpec(text)
        } catch {
            #expect(error.description == message)
        }
    }

    /// Shape errors found while building name the layer.
    @Test(arguments: [
        ("conv(8,3) dense(10)", "model spec, column 11, 'dense(10)': a dense layer needs flat features but gets [8, 26, 26] (add 'flatten' before it)"),
        ("conv(8,30) flatten dense(10)", "model spec, column 1, 'conv(8,30)': a 30×30 kernel with pad=0 does not fit the input [1, 28, 28]"),
        ("flatten dense(12)", "model spec, column 9, 'dense(12)': the network must end in 10 values (one logit per class), e.g. 'flatten dense(10)', but it ends in [12]"),
        ("flatten conv(4,3) dense(10)", "model spec, column 9, 'conv(4,3)': a convolution needs an image [C, H, W] but gets flat features [784]"),
        ("maxpool(29) flatten dense(10)", "model spec, column 1, 'maxpool(29)': a 29×29 window does not fit the input [1, 28, 28]"),
    ])
    func buildErrors(text: String, message: String) throws {
        let spec = try ModelSpec(text)
        do {
            _ = try Network(spec: spec, inputShape: FeatureShape(channels: 1, height: 28, width: 28), classes: 10)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.description == message)
        }
    }
}

/// An input shape from a file (a checkpoint's META) is bounded before anything multiplies it out.
@Suite struct InputSizeTests {
    @Test func hugeInputIsRefused() {
        let huge = FeatureShape(channels: 4_000_000_000, height: 4_000_000_000, width: 4_000_000_000)
        do {
            _ = try Network(spec: ModelSpec("flatten dense(10)"), inputShape: huge, classes: 10)
            Issue.record("a huge input was accepted")
        } catch {
            #expect(error.description == "model spec: an input of [4000000000, 4000000000, 4000000000] would hold more than 2147483648 values per sample (use smaller images)")
        }
    }
}
