import Testing
import Fovea

/// `GradientClipping` (`--clip-grad-norm`, PyTorch's `clip_grad_norm_`): the factor, the clipped
/// update, and training with it.
@Suite struct GradientClippingTests {
    /// The factor: 1 up to the limit (the gradient is left as it is), `X / (norm + 1e-6)`
    /// rounded to `Float` above it; only finite positive limits exist.
    @Test func factor() throws {
        let clipping = try #require(GradientClipping(maxNorm: 2))
        for norm in [0, 1e-9, 1, 2 - 1e-7, 2] { #expect(clipping.factor(norm: norm) == 1, "norm \(norm)") }
        for norm in [2.000001, 3, 1e30] { #expect(clipping.factor(norm: norm) == Float(2 / (norm + 1e-6)), "norm \(norm)") }
        #expect(clipping.factor(norm: 4) < 0.5 && clipping.factor(norm: 4) > 0.4999998)
        for bad in [0, -1, Double.nan, .infinity, -.infinity] { #expect(GradientClipping(maxNorm: bad) == nil, "\(bad)") }
        #expect(GradientClipping(maxNorm: 1e-300)?.maxNorm == 1e-300)
    }

    /// A clipped update: every element of the shards' sum is multiplied by the factor before
    /// SGD adds weight decay to it (PyTorch clips before `step()` adds `λ·w`), bit for bit; the
    /// clipped gradient's norm is X (up to the 1e-6 and Float rounding). Large enough for the
    /// parallel path and several tensors (a decaying weight, a bias that does not decay).
    @Test(arguments: [1, 2, 3])
    func clippedUpdateScalesTheSumBeforeWeightDecay(threads: Int) throws {
        let network = try Network(spec: ModelSpec("flatten dense(50)"), inputShape: FeatureShape(channels: 1, height: 28, width: 28), classes: 50)
        let count = network.parameterCount
        let gradients = GradientNormTests.gradients(count: count, shards: 2, scale: 0.01)
        let initial = testValues(count, seed: 9)
        let norm = GradientNorm(parameterCount: count, threads: threads)
        let total = norm.sumOfSquares(gradients, shards: 2, threads: threads).squareRoot()
        let clipping = try #require(GradientClipping(maxNorm: total / 4))
        let factor = clipping.factor(norm: total)
        #expect(factor < 0.25 && factor > 0.2499)

        let sgd = SGD(learningRate: 0.5, momentum: 0, weightDecay: 0.1)
        let parameters = AlignedBuffer(count: count)
        parameters.assign(initial)
        GradientReduction(network: network, threads: threads)
            .apply(sgd, parameters: parameters, gradients: gradients, shards: 2, state: OptimizerState(names: SGD.stateNames, parameterCount: count),
                   learningRate: 0.5, gradientFactor: factor, threads: threads)

        let sums = GradientNormTests.summed(gradients)
        let decaying = network.parameterTensors.filter { $0.shape.decays }.map(\.range)
        #expect(decaying.count == 1 && decaying[0].count == 784 * 50)
        var expected = initial
        var clipped: [Float] = []
        for i in 0 ..< count {
            let g = sums[i] * factor
            clipped.append(g)
            let decay: Float = decaying[0].contains(i) ? 0.1 : 0
            let velocity = Float(0) * Float(0) + (g + decay * initial[i])
            expected[i] = initial[i] - Float(0.5) * velocity
        }
        let updated = parameters.array
        let mismatches = (0 ..< count).filter { updated[$0].bitPattern != expected[$0].bitPattern }
        #expect(mismatches.isEmpty, "\(mismatches.count) elements differ, the first at \(mismatches.first ?? 0)")
        let clippedNorm = clipped.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        #expect(abs(clippedNorm - clipping.maxNorm) < 1e-6 * clipping.maxNorm, "clipped norm \(clippedNorm), limit \(clipping.maxNorm)")
    }

    /// The `weights_sha256` after two epochs on synthetic bars with a model of about 19,000
    /// parameters (so that the norm's pass runs on several threads), SGD at a rate whose steps
    /// clipping shortens.
    static func train(threads: Int, clipping: Double?, spec: String = "flatten dense(128) relu dropout(0.2) dense(4)") throws -> String {
        let data = try Fixtures.syntheticSet(count: 150)
        let network = try Network(spec: ModelSpec(spec), inputShape: data.sampleShape, classes: 4)
        #expect(network.parameterCount > 1 << 14)
        let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 4)
        let options = TrainingOptions(epochs: 2, batchSize: 40, optimizer: SGD(learningRate: 0.2, momentum: 0.9, weightDecay: 1e-3),
                                      schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 4,
                                      gradientClipping: clipping.flatMap(GradientClipping.init(maxNorm:)))
        let trainer = Trainer(model: model, options: options, train: data.prefix(120), test: data.suffix(30), validation: nil, threads: threads)
        for _ in 0 ..< options.epochs { _ = try trainer.trainEpoch() }
        return SHA256Digest.hex(SHA256Digest.weights(model.parameters.array))
    }

    /// Weights after clipped steps are the same bit for bit (the same SHA-256) for 1, 2 and 3
    /// threads; clipping changes them (it was active), and a limit no gradient reaches changes
    /// nothing.
    @Test func clippedTrainingIsIdenticalForAnyThreadCount() throws {
        let reference = try GradientClippingTests.train(threads: 1, clipping: 0.05)
        for threads in [2, 3] {
            #expect(try GradientClippingTests.train(threads: threads, clipping: 0.05) == reference, "threads \(threads)")
        }
        let unclipped = try GradientClippingTests.train(threads: 2, clipping: nil)
        #expect(unclipped != reference)
        #expect(try GradientClippingTests.train(threads: 2, clipping: 1e30) == unclipped)
    }

    /// The same with batch normalization, whose networks take the whole-batch step (the norm
    /// and the clipping sit in the update both paths share); a checkpoint of such a run holds
    /// the layers' state and the limit (format version 4) and resumes to the same weights.
    @Test func clippingWithBatchNormalization() throws {
        let spec = "conv(4,3,pad=1) batchnorm relu maxpool(2) flatten dense(128) batchnorm relu dense(4)"
        let reference = try GradientClippingTests.train(threads: 1, clipping: 0.05, spec: spec)
        for threads in [2, 3] {
            #expect(try GradientClippingTests.train(threads: threads, clipping: 0.05, spec: spec) == reference, "threads \(threads)")
        }
        #expect(try GradientClippingTests.train(threads: 2, clipping: nil, spec: spec) != reference)

        let data = try Fixtures.syntheticSet(count: 150)
        let network = try Network(spec: ModelSpec(spec), inputShape: data.sampleShape, classes: 4)
        #expect(network.stateCount > 0)
        let options = TrainingOptions(epochs: 2, batchSize: 40, optimizer: SGD(learningRate: 0.2, momentum: 0.9, weightDecay: 1e-3),
                                      schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 4,
                                      gradientClipping: GradientClipping(maxNorm: 0.05))
        let stopped = Trainer(model: Model(network: network, normalization: Normalization(statisticsOf: data), seed: 4), options: options,
                              train: data.prefix(120), test: data.suffix(30), validation: nil, threads: 2)
        _ = try stopped.trainEpoch(shouldStop: { stopped.globalStep >= 4 }, afterStep: { _ in })
        let record = TrainingDataRecord(directory: "/synthetic", limit: nil, validation: 0, train: DataFingerprint(of: stopped.train),
                                        validationSet: DataFingerprint(of: nil), test: DataFingerprint(of: stopped.test))
        let bytes = try CheckpointWriter.encode(Checkpoint(trainer: stopped, data: record, history: RunHistory()))
        let container = try CheckpointContainer(parsing: bytes, file: "x")
        #expect(container.formatVersion == 4 && container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "STAT", "CLIP"])
        let resumed = try Trainer(resuming: CheckpointReader.decode(bytes, file: "x"), epochs: 2, train: data.prefix(120),
                                  test: data.suffix(30), validation: nil, threads: 3)
        while resumed.epoch < 2 { _ = try resumed.trainEpoch() }
        #expect(SHA256Digest.hex(SHA256Digest.weights(resumed.model.parameters.array)) == reference)
    }
}
