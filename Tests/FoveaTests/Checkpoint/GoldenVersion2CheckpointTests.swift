import Foundation
import Testing
import Fovea

/// `Resources/golden-v2.fovea`, format version 2 written by Fovea 0.1.0 (the last writer before
/// version 3): augmentation and the onecycle schedule, which version 1 cannot hold. Written by
/// ```
/// fovea train --data data/mnist --model "conv(4,5,stride=2) relu maxpool(2) dropout(0.1) flatten dense(10)" \
///   --limit 6000 --validation 500 --epochs 3 --batch-size 50 --lr 0.05 --momentum 0.8 --weight-decay 0.0005 \
///   --schedule onecycle --warmup 0.3 --augment standard --rotate 8 --seed 9 --threads 2 --save-every 7
/// ```
/// killed in epoch 2, so that `last.fovea` is the one of step 44 of that epoch. Never regenerate it.
@Suite struct GoldenVersion2CheckpointTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v2.fovea").path

    @Test func readsToTheSameValues() throws {
        let golden = try CheckpointReader.read(GoldenVersion2CheckpointTests.path)
        #expect(golden.formatVersion == 2 && golden.writerVersion == "0.1.0")
        #expect(golden.network.spec.description == "conv(4,5,stride=2) relu maxpool(2) dropout(0.1) flatten dense(10)")
        #expect(golden.options == TrainingOptions(
            epochs: 3, batchSize: 50, optimizer: SGD(learningRate: 0.05, momentum: 0.8, nesterov: false, weightDecay: 0.0005),
            schedule: LearningRateSchedule(kind: .onecycle, stepEpochs: 1, gamma: 0.1, warmupEpochs: 0.3), seed: 9,
            augmentation: try AugmentationConfiguration(translation: 2.5, rotation: 8, scale: 0.1, shear: 5, elasticAlpha: 0,
                                                        elasticSigma: 4, noise: 0)))
        #expect(golden.normalization == Normalization(mean: 0.13118650019168854, std: 0.3086290955543518))
        #expect(golden.state.epoch == 1 && golden.state.stepInEpoch == 44 && golden.state.globalStep == 154)
        #expect(golden.optimizerStep == 154 && golden.stepsPerEpoch == 110 && golden.velocity.count == 1554)
        let epoch1 = EpochEvaluation(epoch: 1, testLoss: 0.3590683784116855, testAccuracy: 0.8793, validationLoss: 0.37918213646117727,
                                     validationAccuracy: 0.896)
        #expect(golden.history == RunHistory(last: epoch1, best: epoch1))
        #expect(golden.data.limit == 6000 && golden.data.validation == 500 && golden.data.train.count == 5500)
        #expect(SHA256Digest.hex(golden.data.train.sha256) == "6fc28a176c4594b9549a179b4a1f3b036f550ee88fdae63164077c2eaa610f6c")
        #expect(SHA256Digest.hex(golden.weightsSHA256) == "bd826981d69d0e991fed688a107b96e7ecee99907d7af79ae89f0168cab6ad10")
    }

    /// The model rebuilt from the file alone evaluates as `fovea eval` of Fovea 0.1.0 did.
    @Test func evaluatesAsItDid() throws {
        let golden = try CheckpointReader.read(GoldenVersion2CheckpointTests.path)
        let test = try MNISTDataset(directory: Fixtures.mnistDirectory).test
        let result = Evaluator(network: golden.network, threads: 2).evaluate(golden.makeModel(), on: test)
        #expect(result.accuracy == 0.8948)
        #expect(abs(result.loss - 0.3265418560232528) < 1e-6, "loss \(result.loss)")
        #expect(result.confusion[9] == [19, 5, 2, 10, 283, 7, 0, 21, 16, 646])
    }

    /// This build writes the same run as version 2 again, section for section.
    @Test func thisBuildWritesTheSameSections() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenVersion2CheckpointTests.path)))
        let golden = try CheckpointReader.decode(bytes, file: "golden")
        let rewritten = try CheckpointContainer(parsing: CheckpointWriter.encode(golden), file: "rewritten")
        let original = try CheckpointContainer(parsing: bytes, file: "golden")
        #expect(rewritten.formatVersion == 2)
        #expect(rewritten.sections.map(\.tag) == original.sections.map(\.tag))
        #expect(rewritten.sections.map(\.payload) == original.sections.map(\.payload))
    }
}
