import Foundation
import Testing
import Fovea

/// `Resources/golden-v6.fovea`, format version 6 written by Fovea 0.2.0: a denoising autoencoder
/// (MSE against the clean input, the input corrupted by Gaussian noise σ 0.2 and a 3 × 3 patch),
/// which only version 6 can hold (in `TASK`; `META` and `OPTM` in version 3's layout). Written by
/// `FOVEA_WRITE_GOLDEN_V6=1 swift test -c release --filter GoldenVersion6CheckpointTests/write`
/// (`run()`: the synthetic bars of `Fixtures`, as `fovea train --limit 120 --validation 20` would
/// cut a training file of 120 images, 2 of 3 epochs of Adam with 2 threads), once. Never
/// regenerate it.
@Suite struct GoldenVersion6CheckpointTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v6.fovea").path
    static let spec = "conv(4,3,pad=1) relu dropout(0.1) conv(1,3,pad=1)"
    static let corruption = try! InputCorruption(noise: 0.2, occlusion: 3)
    static let options = TrainingOptions(epochs: 3, batchSize: 20, optimizer: Adam(learningRate: 0.01),
                                         schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 23,
                                         corruption: corruption)

    /// The run's data: a training file of 120 images whose last 20 are held out for validation
    /// (sample indices 100 ..< 120 of that file), and a test file of 40.
    static func data() throws -> (train: ImageSet, validation: ImageSet, test: ImageSet) {
        let file = try Fixtures.syntheticSet(count: 120)
        return (file.prefix(100), file.suffix(20), try Fixtures.syntheticSet(count: 40, seed: 13))
    }

    /// The run the golden file holds, after its second epoch.
    static func run() throws -> Checkpoint {
        let (train, validation, test) = try data()
        let network = try Network(spec: ModelSpec(spec), inputShape: train.sampleShape, classes: 4, loss: MeanSquaredError.self, target: .input)
        let model = Model(network: network, normalization: Normalization(statisticsOf: train), seed: options.seed)
        let trainer = Trainer(model: model, options: options, train: train, test: test, validation: validation, threads: 2)
        var history = RunHistory()
        for _ in 0 ..< 2 { _ = history.record(try trainer.trainEpoch()) }
        let data = TrainingDataRecord(directory: "/synthetic", limit: 120, validation: 20, train: DataFingerprint(of: train),
                                      validationSet: DataFingerprint(of: validation), test: DataFingerprint(of: test))
        return Checkpoint(trainer: trainer, data: data, history: history)
    }

    /// The generation path (skipped unless asked for): writes `run()` to the golden file.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["FOVEA_WRITE_GOLDEN_V6"] == "1"))
    func write() throws {
        try CheckpointWriter.write(GoldenVersion6CheckpointTests.run(), to: GoldenVersion6CheckpointTests.path)
    }

    @Test func readsToTheSameValues() throws {
        let golden = try CheckpointReader.read(GoldenVersion6CheckpointTests.path)
        #expect(golden.formatVersion == 6 && golden.writerVersion == "0.2.0")
        #expect(golden.network.spec.description == GoldenVersion6CheckpointTests.spec)
        #expect(golden.network.loss == MeanSquaredError.self && golden.network.target == .input && golden.network.classes == 4)
        #expect(golden.options == GoldenVersion6CheckpointTests.options)
        #expect(golden.options.corruption.noise == 0.2 && golden.options.corruption.occlusion == 3)
        #expect(golden.earlyStopping == nil && golden.selectionMetric == .validationLoss)
        #expect(golden.state.epoch == 2 && golden.state.stepInEpoch == 0 && golden.state.globalStep == 10)
        #expect(golden.optimizerStep == 10 && golden.stepsPerEpoch == 5)
        #expect(golden.history.last?.epoch == 2 && golden.history.last?.testAccuracy == nil && golden.history.last?.validationAccuracy == nil)
        #expect(golden.data.limit == 120 && golden.data.validation == 20 && golden.data.train.count == 100 && golden.data.test.count == 40)
        #expect(SHA256Digest.hex(golden.weightsSHA256) == "8f43bc2373857e32ac7e0883950b771538fe9215d64d2cee93638ceaf5875775")
    }

    /// The task section's 13 bytes: target 1 (input), noise 0.2 (0x3FC999999999999A), occlusion 3.
    @Test func taskSection() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenVersion6CheckpointTests.path)))
        let container = try CheckpointContainer(parsing: bytes, file: "golden")
        #expect(container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "TASK"])
        #expect(container.sections.last?.payload == [1, 0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xC9, 0x3F, 3, 0, 0, 0])
    }

    /// The model rebuilt from the file alone, evaluated with the file's corruption, gives the
    /// figures the run recorded after its second epoch, with 1 and 2 threads alike; without the
    /// corruption it scores better (the file's task is denoising, not plain reconstruction).
    @Test(arguments: [1, 2])
    func evaluatesAsItDid(threads: Int) throws {
        let golden = try CheckpointReader.read(GoldenVersion6CheckpointTests.path)
        let (_, validation, test) = try GoldenVersion6CheckpointTests.data()
        #expect(DataFingerprint(of: test) == golden.data.test && DataFingerprint(of: validation) == golden.data.validationSet)
        let evaluator = Evaluator(network: golden.network, threads: threads, corruption: golden.options.corruption, seed: golden.options.seed)
        let result = evaluator.evaluate(golden.makeModel(), on: test)
        #expect(abs(result.loss - 0.9315172359109111) < 1e-6, "loss \(result.loss)")
        let psnr = try #require(result.reconstruction?.psnr)
        #expect(abs(psnr - 12.205127611387939) < 1e-4, "PSNR \(psnr)")
        #expect(result.accuracy == nil && result.count == 40)
        let recorded = try #require(golden.history.last)
        #expect(abs(result.loss - (try #require(recorded.testLoss))) < 1e-6)
        let validationResult = evaluator.evaluate(golden.makeModel(), on: validation)
        #expect(abs(validationResult.loss - (try #require(recorded.validationLoss))) < 1e-6, "validation loss \(validationResult.loss)")
        let clean = Evaluator(network: golden.network, threads: threads).evaluate(golden.makeModel(), on: test)
        #expect(clean.loss < result.loss - 0.01, "clean \(clean.loss), corrupted \(result.loss)")
    }

    /// This build writes the same run as version 6 again, byte for byte.
    @Test func thisBuildWritesTheSameFile() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenVersion6CheckpointTests.path)))
        let golden = try CheckpointReader.decode(bytes, file: "golden")
        #expect(try CheckpointWriter.encode(golden) == bytes)
    }

    /// A trainer resumed from it corrupts its inputs as the file says: its next epoch differs from
    /// the same epoch without the corruption.
    @Test func resumesWithTheCorruption() throws {
        let golden = try CheckpointReader.read(GoldenVersion6CheckpointTests.path)
        let (train, validation, test) = try GoldenVersion6CheckpointTests.data()
        #expect(DataFingerprint(of: train) == golden.data.train)
        var plain = golden
        plain.options.corruption = .none
        var weights: [[UInt8]] = []
        for checkpoint in [golden, plain] {
            let trainer = try Trainer(resuming: checkpoint, epochs: 3, train: train, test: test, validation: validation, threads: 2)
            #expect(trainer.options.corruption == checkpoint.options.corruption && trainer.model.network.target == .input)
            let report = try trainer.trainEpoch()
            #expect(report.epoch == 3 && trainer.globalStep == 15)
            weights.append(SHA256Digest.weights(trainer.model.parameters.array))
        }
        #expect(weights[0] != weights[1])
    }
}
