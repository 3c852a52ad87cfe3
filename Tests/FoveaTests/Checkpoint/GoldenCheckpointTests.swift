import Foundation
import Testing
import Fovea

/// `Resources/golden-v1.fovea`, a checkpoint of format version 1 written by Fovea 0.1.0, stays in
/// the tests forever: every later Fovea must read it to the same values and evaluate it to the
/// same accuracy. It was written by
/// ```
/// fovea train --data data/mnist --model "conv(4,5,stride=2) relu maxpool(2) dropout(0.1) flatten dense(10)" \
///   --limit 600 --validation 100 --epochs 3 --batch-size 50 --lr 0.05 --nesterov --weight-decay 0.0005 \
///   --schedule step --lr-step 1 --lr-gamma 0.5 --warmup 0.5 --seed 7 --threads 2
/// ```
/// stopped before step 14 (epoch 2, step 3 of 10), so that every field, the partial epoch's
/// totals and the validation figures included, holds something. Never regenerate it.
@Suite struct GoldenCheckpointTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v1.fovea").path

    @Test func readsToTheSameValues() throws {
        let golden = try CheckpointReader.read(GoldenCheckpointTests.path)
        #expect(golden.formatVersion == 1 && golden.writerVersion == "0.1.0")
        #expect(golden.network.spec.description == "conv(4,5,stride=2) relu maxpool(2) dropout(0.1) flatten dense(10)")
        #expect(golden.network.inputShape == FeatureShape(channels: 1, height: 28, width: 28) && golden.network.classes == 10)
        #expect(golden.network.parameterCount == 1554 && golden.parameters.count == 1554 && golden.velocity.count == 1554)
        #expect(golden.options == TrainingOptions(
            epochs: 3, batchSize: 50, optimizer: SGDConfiguration(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0.0005),
            schedule: LearningRateSchedule(kind: .step, stepEpochs: 1, gamma: 0.5, warmupEpochs: 0.5), seed: 7))
        #expect(golden.normalization == Normalization(mean: 0.12618127465248108, std: 0.30283406376838684))
        #expect(golden.state == TrainingState(epoch: 1, stepInEpoch: 3, globalStep: 13,
                                              epochTotals: SoftmaxCrossEntropy.Totals(loss: 113.82745197758396, correct: 112)))
        #expect(golden.optimizerStep == 13 && golden.stepsPerEpoch == 10)
        let epoch1 = EpochEvaluation(epoch: 1, testLoss: 0.9959741422210884, testAccuracy: 0.6729, validationLoss: 1.084625202009356,
                                     validationAccuracy: 0.64)
        #expect(golden.history == RunHistory(last: epoch1, best: epoch1))
        #expect(golden.data.limit == 600 && golden.data.validation == 100)
        #expect(golden.data.train.count == 500 && golden.data.validationSet.count == 100 && golden.data.test.count == 10000)
        #expect(SHA256Digest.hex(golden.data.train.sha256) == "c0669bbc4ac49e14a3f8592be0d0a193073a562c559750bc97e2a9c7d39faac9")
        #expect(SHA256Digest.hex(golden.weightsSHA256) == "2cb842c75a6ccab4372c1c4433c0c2753ce77e8fb618c9b8a45f736b772bd044")
    }

    /// The fingerprints still describe the same data (the first 500 MNIST training digits, the
    /// next 100, the test set) as computed today.
    @Test func fingerprintsMatchTheData() throws {
        let golden = try CheckpointReader.read(GoldenCheckpointTests.path)
        let mnist = try MNISTDataset(directory: Fixtures.mnistDirectory)
        let used = mnist.train.prefix(600)
        #expect(DataFingerprint(of: used.prefix(500)) == golden.data.train)
        #expect(DataFingerprint(of: used.suffix(100)) == golden.data.validationSet)
        #expect(DataFingerprint(of: mnist.test) == golden.data.test)
    }

    /// The model rebuilt from the file alone evaluates on the MNIST test set as it did when written.
    @Test func evaluatesAsItDid() throws {
        let golden = try CheckpointReader.read(GoldenCheckpointTests.path)
        let test = try MNISTDataset(directory: Fixtures.mnistDirectory).test
        let result = Evaluator(network: golden.network, threads: 2).evaluate(golden.makeModel(), on: test)
        #expect(result.accuracy == 0.747)
        #expect(abs(result.loss - 0.7863531227084434) < 1e-6, "loss \(result.loss)")
        #expect(result.confusion[0] == [889, 1, 31, 1, 4, 34, 8, 1, 11, 0])
    }

    /// A run without augmentation or onecycle schedule is still written as version 1, exactly as
    /// the golden file has it.
    @Test func thisBuildWritesTheSameSections() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenCheckpointTests.path)))
        let golden = try CheckpointReader.decode(bytes, file: "golden")
        #expect(CheckpointFormat.version(for: golden.options) == 1)
        let rewritten = try CheckpointContainer(parsing: CheckpointWriter.encode(golden), file: "rewritten")
        let original = try CheckpointContainer(parsing: bytes, file: "golden")
        #expect(rewritten.formatVersion == 1)
        #expect(rewritten.sections.map(\.tag) == original.sections.map(\.tag))
        #expect(rewritten.sections.map(\.payload) == original.sections.map(\.payload))
    }
}
