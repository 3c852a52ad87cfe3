import Foundation
import Testing
import Fovea

/// `Resources/golden-v3.fovea`, format version 3 written by Fovea 0.2.0: AdamW, whose name,
/// hyper-parameters and state tensors `m` and `v` only version 3 can hold. Written by
/// ```
/// fovea train --data data/mnist --model "conv(4,5,stride=2) relu maxpool(2) dropout(0.1) flatten dense(10)" \
///   --limit 6000 --validation 500 --epochs 3 --batch-size 50 --optimizer adamw --lr 0.004 --beta2 0.995 \
///   --weight-decay 0.02 --warmup 0.3 --seed 11 --threads 2 --save-every 7
/// ```
/// killed in epoch 2, so that `last.fovea` is the one of step 72 of that epoch. Never regenerate it.
@Suite struct GoldenVersion3CheckpointTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v3.fovea").path

    @Test func readsToTheSameValues() throws {
        let golden = try CheckpointReader.read(GoldenVersion3CheckpointTests.path)
        #expect(golden.formatVersion == 3 && golden.writerVersion == "0.2.0")
        #expect(golden.network.spec.description == "conv(4,5,stride=2) relu maxpool(2) dropout(0.1) flatten dense(10)")
        #expect(golden.options == TrainingOptions(
            epochs: 3, batchSize: 50, optimizer: AdamW(learningRate: 0.004, moments: AdamMoments(beta1: 0.9, beta2: 0.995, eps: 1e-8), weightDecay: 0.02),
            schedule: LearningRateSchedule(kind: .cosine, stepEpochs: 1, gamma: 0.1, warmupEpochs: 0.3), seed: 11))
        #expect(golden.normalization == Normalization(mean: 0.13118650019168854, std: 0.3086290955543518))
        #expect(golden.state.epoch == 1 && golden.state.stepInEpoch == 72 && golden.state.globalStep == 182)
        #expect(golden.optimizerStep == 182 && golden.stepsPerEpoch == 110)
        #expect(golden.namedOptimizerTensors.map(\.name) == ["m", "v"] && golden.optimizerTensors.map(\.count) == [1554, 1554])
        #expect(golden.optimizerTensors[1].allSatisfy { $0 >= 0 })  // second moments
        let epoch1 = EpochEvaluation(epoch: 1, testLoss: 0.4627928515171062, testAccuracy: 0.8609, validationLoss: 0.46409788683802483,
                                     validationAccuracy: 0.862)
        #expect(golden.history == RunHistory(last: epoch1, best: epoch1))
        #expect(SHA256Digest.hex(golden.data.train.sha256) == "6fc28a176c4594b9549a179b4a1f3b036f550ee88fdae63164077c2eaa610f6c")
        #expect(SHA256Digest.hex(golden.weightsSHA256) == "d67d260c8644de82b334602c0a6f997d799f6c7f681401235bf8b59ffe0881ae")
    }

    /// The model rebuilt from the file alone evaluates as `fovea eval` of Fovea 0.2.0 did.
    @Test func evaluatesAsItDid() throws {
        let golden = try CheckpointReader.read(GoldenVersion3CheckpointTests.path)
        let test = try MNISTDataset(directory: Fixtures.mnistDirectory).test
        let result = Evaluator(network: golden.network, threads: 2).evaluate(golden.makeModel(), on: test)
        #expect(result.accuracy == 0.8891)
        #expect(abs(result.loss - 0.36813997629252093) < 1e-6, "loss \(result.loss)")
        #expect(result.confusion[9] == [6, 7, 11, 10, 16, 12, 0, 17, 6, 924])
    }

    /// This build writes the same run as version 3 again, section for section.
    @Test func thisBuildWritesTheSameSections() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenVersion3CheckpointTests.path)))
        let golden = try CheckpointReader.decode(bytes, file: "golden")
        let rewritten = try CheckpointContainer(parsing: CheckpointWriter.encode(golden), file: "rewritten")
        let original = try CheckpointContainer(parsing: bytes, file: "golden")
        #expect(rewritten.formatVersion == 3 && original.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR"])
        #expect(rewritten.sections.map(\.tag) == original.sections.map(\.tag))
        #expect(rewritten.sections.map(\.payload) == original.sections.map(\.payload))
    }
}
