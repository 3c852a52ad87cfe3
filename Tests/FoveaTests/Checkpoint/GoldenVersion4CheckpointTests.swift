import Foundation
import Testing
import Fovea

/// `Resources/golden-v4.fovea`, format version 4 written by Fovea 0.2.0: SGD with its gradient's
/// norm clipped to 0.25, which only version 4 can hold (in `CLIP`; `META` and `OPTM` in version
/// 3's layout). Written by
/// ```
/// fovea train --data data/mnist --model "conv(4,5,stride=2) relu maxpool(2) flatten dense(10)" \
///   --limit 20000 --validation 1000 --epochs 3 --batch-size 50 --lr 0.1 --nesterov --weight-decay 0.001 \
///   --clip-grad-norm 0.25 --warmup 0.3 --seed 13 --threads 2 --save-every 7
/// ```
/// killed in epoch 2, so that `last.fovea` is the one of step 82 of that epoch. Never regenerate it.
@Suite struct GoldenVersion4CheckpointTests {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources/golden-v4.fovea").path

    @Test func readsToTheSameValues() throws {
        let golden = try CheckpointReader.read(GoldenVersion4CheckpointTests.path)
        #expect(golden.formatVersion == 4 && golden.writerVersion == "0.2.0")
        #expect(golden.network.spec.description == "conv(4,5,stride=2) relu maxpool(2) flatten dense(10)")
        #expect(golden.options == TrainingOptions(
            epochs: 3, batchSize: 50, optimizer: SGD(learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.001),
            schedule: LearningRateSchedule(kind: .cosine, stepEpochs: 1, gamma: 0.1, warmupEpochs: 0.3), seed: 13,
            gradientClipping: GradientClipping(maxNorm: 0.25)))
        #expect(golden.options.gradientClipping?.maxNorm == 0.25)
        #expect(golden.normalization == Normalization(mean: 0.131118044257164, std: 0.3087735176086426))
        #expect(golden.state.epoch == 1 && golden.state.stepInEpoch == 82 && golden.state.globalStep == 462)
        #expect(golden.optimizerStep == 462 && golden.stepsPerEpoch == 380)
        #expect(golden.namedOptimizerTensors.map(\.name) == ["velocity"] && golden.velocity.count == 1554)
        let epoch1 = EpochEvaluation(epoch: 1, testLoss: 0.22297429752917805, testAccuracy: 0.9367, validationLoss: 0.24099122946192242,
                                     validationAccuracy: 0.934)
        #expect(golden.history == RunHistory(last: epoch1, best: epoch1))
        #expect(golden.data.limit == 20000 && golden.data.validation == 1000 && golden.data.train.count == 19000)
        #expect(SHA256Digest.hex(golden.data.train.sha256) == "0ee319408048617ddc15f572c0cfae650c90ac4f94edda1ca81d17a5766c601c")
        #expect(SHA256Digest.hex(golden.weightsSHA256) == "23ab57af34d1bc0303009e46cdfc22fddea7b52a5aab3a628f943a18b818121c")
    }

    /// The model rebuilt from the file alone evaluates as `fovea eval` of Fovea 0.2.0 did.
    @Test func evaluatesAsItDid() throws {
        let golden = try CheckpointReader.read(GoldenVersion4CheckpointTests.path)
        let test = try MNISTDataset(directory: Fixtures.mnistDirectory).test
        let result = Evaluator(network: golden.network, threads: 2).evaluate(golden.makeModel(), on: test)
        #expect(result.accuracy == 0.9364)
        #expect(abs(result.loss - 0.21440130708262478) < 1e-6, "loss \(result.loss)")
        #expect(result.confusion[9] == [3, 8, 4, 11, 27, 6, 1, 58, 14, 877])
    }

    /// This build writes the same run as version 4 again, section for section.
    @Test func thisBuildWritesTheSameSections() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: GoldenVersion4CheckpointTests.path)))
        let golden = try CheckpointReader.decode(bytes, file: "golden")
        let rewritten = try CheckpointContainer(parsing: CheckpointWriter.encode(golden), file: "rewritten")
        let original = try CheckpointContainer(parsing: bytes, file: "golden")
        #expect(rewritten.formatVersion == 4 && original.sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "CLIP"])
        #expect(rewritten.sections.map(\.tag) == original.sections.map(\.tag))
        #expect(rewritten.sections.map(\.payload) == original.sections.map(\.payload))
    }

    /// A trainer resumed from it clips at 0.25: its next steps differ from the same steps without
    /// clipping.
    @Test func resumesWithTheLimit() throws {
        let golden = try CheckpointReader.read(GoldenVersion4CheckpointTests.path)
        let mnist = try MNISTDataset(directory: Fixtures.mnistDirectory)
        let used = mnist.train.prefix(20000)
        let train = used.prefix(19000), validation = used.suffix(1000)
        #expect(DataFingerprint(of: train) == golden.data.train && DataFingerprint(of: validation) == golden.data.validationSet)
        var unclipped = golden
        unclipped.options.gradientClipping = nil
        var weights: [[UInt8]] = []
        for checkpoint in [golden, unclipped] {
            let trainer = try Trainer(resuming: checkpoint, epochs: 3, train: train, test: nil, validation: nil, threads: 2)
            #expect(trainer.options.gradientClipping == checkpoint.options.gradientClipping)
            _ = try trainer.trainEpoch(shouldStop: { trainer.stepInEpoch >= 100 }, afterStep: { _ in })
            #expect(trainer.globalStep == 480)
            weights.append(SHA256Digest.weights(trainer.model.parameters.array))
        }
        #expect(weights[0] != weights[1])
    }
}
