import Foundation
import Testing
import Fovea

/// `Resources/golden-v5.fovea`, format version 5 written by Fovea 0.2.0: SGD with a validation
/// set and early stopping of patience 2, which only version 5 can hold (in `ESTP`; `META` and
/// `OPTM` in version 3's layout). Written by
/// ```
/// fovea train --data data/mnist --model "conv(4,5,stride=2) relu maxpool(2) flatten dense(10)" \
///   --limit 3000 --validation 500 --epochs 12 --batch-size 50 --lr 0.1 --nesterov --weight-decay 0.001 \
///   --schedule constant --warmup 0 --early-stop 2 --seed 17 --threads 2 --keep 12
/// ```
/// which stopped early after epoch 5 (validation accuracy 90.20 % in epoch 3, then 89.80 % and
/// 87.60 %); this is its `last.fovea`. Never regenerate it.
@Suite struct GoldenVersion5CheckpointTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v5.fovea").path

    @Test func readsToTheSameValues() throws {
        let golden = try CheckpointReader.read(GoldenVersion5CheckpointTests.path)
        #expect(golden.formatVersion == 5 && golden.writerVersion == "0.2.0")
        #expect(golden.network.spec.description == "conv(4,5,stride=2) relu maxpool(2) flatten dense(10)")
        #expect(golden.options == TrainingOptions(
            epochs: 12, batchSize: 50, optimizer: SGD(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.001),
            schedule: LearningRateSchedule(kind: .constant, stepEpochs: 1, gamma: 0.1, warmupEpochs: 0), seed: 17))
        #expect(golden.earlyStopping == EarlyStopping(patience: 2))
        #expect(golden.selectionMetric == .validationAccuracy && golden.epochsWithoutImprovement == 2 && golden.history.stoppedEarly)
        #expect(golden.state.epoch == 5 && golden.state.stepInEpoch == 0 && golden.state.globalStep == 250)
        #expect(golden.optimizerStep == 250 && golden.stepsPerEpoch == 50)
        #expect(golden.history.last?.epoch == 5 && golden.history.last?.validationAccuracy == 0.876)
        #expect(golden.history.best?.epoch == 3 && golden.history.best?.validationAccuracy == 0.902 && golden.history.best?.testAccuracy == 0.8907)
        #expect(golden.data.limit == 3000 && golden.data.validation == 500 && golden.data.train.count == 2500)
        #expect(SHA256Digest.hex(golden.weightsSHA256) == "e20d10237058fadd7618e99195c48085144577ef9472cb503e7ae33e0921a712")
    }

    /// The early-stopping section's ten bytes: patience 2, metric 1 (validation accuracy), 2
    /// epochs without improvement, stopped.
    @Test func earlyStoppingSection() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenVersion5CheckpointTests.path)))
        let container = try CheckpointContainer(parsing: bytes, file: "golden")
        #expect(container.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "ESTP"])
        #expect(container.sections.last?.payload == [2, 0, 0, 0, 1, 2, 0, 0, 0, 1])
    }

    /// The model rebuilt from the file alone evaluates as `fovea eval` of Fovea 0.2.0 did.
    @Test func evaluatesAsItDid() throws {
        let golden = try CheckpointReader.read(GoldenVersion5CheckpointTests.path)
        let test = try MNISTDataset(directory: Fixtures.mnistDirectory).test
        let result = Evaluator(network: golden.network, threads: 2).evaluate(golden.makeModel(), on: test)
        #expect(result.accuracy == 0.8879)
        #expect(abs(result.loss - 0.36631947275168136) < 1e-6, "loss \(result.loss)")
        #expect(result.confusion[9] == [10, 1, 0, 7, 50, 10, 1, 14, 23, 893])
    }

    /// This build writes the same run as version 5 again, byte for byte.
    @Test func thisBuildWritesTheSameFile() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenVersion5CheckpointTests.path)))
        let golden = try CheckpointReader.decode(bytes, file: "golden")
        #expect(try CheckpointWriter.encode(golden) == bytes)
    }
}
