import Testing
import Fovea

/// Stopping a run anywhere, saving, reading the file back and resuming (with another thread
/// count) ends with the same weights, momentum and epoch reports as a run that never stopped.
@Suite struct ExactResumeTests {
    /// One line per epoch with every figure that does not depend on timing.
    static func line(_ r: EpochReport) -> String {
        "\(r.epoch) \(r.trainLoss) \(r.trainAccuracy) \(r.test!.loss) \(r.test!.accuracy) \(r.learningRate)"
    }

    static let straight: (reports: [String], weights: [Float], velocity: [Float]) = {
        let trainer = try! CheckpointFixtures.trainer(threads: 2)
        let reports = (0 ..< 2).map { _ in line(trainer.trainEpoch()) }
        return (reports, trainer.model.parameters.array, trainer.optimizer.velocity.array)
    }()

    /// 8 steps make an epoch: 0 and 8 are epoch boundaries, the others are mid-epoch, 15 is the
    /// last step's start.
    @Test(arguments: [0, 1, 5, 8, 11, 15])
    func resumeAfterSteps(_ steps: Int) throws {
        let saved = try CheckpointFixtures.checkpoint(afterSteps: steps, threads: 1)
        let checkpoint = try CheckpointReader.decode(CheckpointWriter.encode(saved), file: "resume.fovea")
        #expect(checkpoint.state.globalStep == steps && checkpoint.weightsSHA256 == saved.weightsSHA256)
        let (train, test) = try CheckpointFixtures.data()
        let trainer = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: 3)
        var reports: [String] = []
        while trainer.epoch < 2 { reports.append(ExactResumeTests.line(trainer.trainEpoch())) }
        let straight = ExactResumeTests.straight
        #expect(trainer.model.parameters.array == straight.weights, "weights differ after resuming at step \(steps)")
        #expect(trainer.optimizer.velocity.array == straight.velocity, "momentum differs after resuming at step \(steps)")
        #expect(trainer.optimizer.step == 16 && trainer.globalStep == 16)
        #expect(reports == Array(straight.reports.suffix(reports.count)), "epoch reports differ after resuming at step \(steps)")
    }

    /// A resumed run with a thread count of 1 equals one with 8.
    @Test func resumedThreadCountDoesNotMatter() throws {
        let checkpoint = try CheckpointReader.decode(CheckpointFixtures.bytes(afterSteps: 5), file: "resume.fovea")
        let (train, test) = try CheckpointFixtures.data()
        let weights = try [1, 8].map { threads in
            let trainer = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: threads)
            while trainer.epoch < 2 { _ = trainer.trainEpoch() }
            return trainer.model.parameters.array
        }
        #expect(weights[0] == weights[1])
    }

    /// A resume that cannot be exact is refused with the reason.
    @Test func refusesOtherData() throws {
        let checkpoint = try CheckpointReader.decode(CheckpointFixtures.bytes(afterSteps: 5), file: "run/last.fovea")
        let (train, test) = try CheckpointFixtures.data()
        #expect(throws: CheckpointError.mismatch(file: "run/last.fovea", message: "the run trained on 120 samples per epoch, but the training data give 119 (resume with the same data, --limit and --validation)")) {
            try Trainer(resuming: checkpoint, epochs: 2, train: train.prefix(119), test: test, validation: nil, threads: 1)
        }
        let other = try Fixtures.syntheticSet(count: 10, size: 10)
        #expect(throws: CheckpointError.mismatch(file: "run/last.fovea", message: "the model takes [1, 12, 12] images, but the test images are [1, 10, 10] (use the data the run trained on)")) {
            try Trainer(resuming: checkpoint, epochs: 2, train: train, test: other, validation: nil, threads: 1)
        }
    }
}
