import Testing
import Fovea

/// Stopping a run anywhere, saving, reading the file back and resuming (with another thread
/// count) ends with the same weights, optimizer state and epoch reports as a run that never
/// stopped, for every optimizer.
@Suite struct ExactResumeTests {
    /// The fixture's run with each optimizer kind (SGD as the fixture has it; Adam and AdamW with
    /// weight decay, so that every hyper-parameter matters).
    static let optimizers: [any Optimizer] = [
        CheckpointFixtures.options.optimizer,
        Adam(learningRate: 0.01, moments: AdamMoments(beta1: 0.85, beta2: 0.99, eps: 1e-7), weightDecay: 1e-3),
        AdamW(learningRate: 0.01, weightDecay: 0.05),
    ]

    static func options(_ optimizer: any Optimizer) -> TrainingOptions {
        var options = CheckpointFixtures.options
        options.optimizer = optimizer
        return options
    }

    /// One line per epoch with every figure that does not depend on timing.
    static func line(_ r: EpochReport) -> String {
        "\(r.epoch) \(r.trainLoss) \(String(describing: r.trainAccuracy)) \(r.test!.loss) \(String(describing: r.test!.accuracy)) \(r.learningRate)"
    }

    /// The run that never stopped: its epoch reports, weights and optimizer state.
    static func straight(_ optimizer: any Optimizer) throws -> (reports: [String], weights: [Float], state: [[Float]]) {
        let trainer = try CheckpointFixtures.trainer(threads: 2, options: options(optimizer))
        let reports = try (0 ..< 2).map { _ in line(try trainer.trainEpoch()) }
        return (reports, trainer.model.parameters.array, trainer.optimizerState.tensors)
    }

    /// 8 steps make an epoch: 0 and 8 are epoch boundaries, the others are mid-epoch, 15 is the
    /// last step's start.
    @Test(arguments: [0, 1, 2], [0, 1, 5, 8, 11, 15])
    func resumeAfterSteps(optimizerIndex: Int, steps: Int) throws {
        let optimizer = ExactResumeTests.optimizers[optimizerIndex]
        let saved = try CheckpointFixtures.checkpoint(afterSteps: steps, threads: 1, options: ExactResumeTests.options(optimizer))
        let checkpoint = try CheckpointReader.decode(CheckpointWriter.encode(saved), file: "resume.fovea")
        #expect(checkpoint.state.globalStep == steps && checkpoint.weightsSHA256 == saved.weightsSHA256)
        #expect(checkpoint.options == saved.options && checkpoint.optimizerTensors == saved.optimizerTensors)
        let (train, test) = try CheckpointFixtures.data()
        let trainer = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: 3)
        var reports: [String] = []
        while trainer.epoch < 2 { reports.append(ExactResumeTests.line(try trainer.trainEpoch())) }
        let straight = try ExactResumeTests.straight(optimizer)
        let name = type(of: optimizer).name
        #expect(trainer.model.parameters.array == straight.weights, "\(name): weights differ after resuming at step \(steps)")
        #expect(trainer.optimizerState.tensors == straight.state, "\(name): optimizer state differs after resuming at step \(steps)")
        #expect(trainer.optimizerState.step == 16 && trainer.globalStep == 16)
        #expect(reports == Array(straight.reports.suffix(reports.count)), "\(name): epoch reports differ after resuming at step \(steps)")
    }

    /// Every kind a spec can name (`WorkspaceKindTests.specs`; batch
    /// normalization's running statistics, dropout's stream, kept patch matrices): stopped
    /// mid-epoch, saved, read back and resumed on another thread count, the run ends with the
    /// weights, state and reports of the run that never stopped.
    @Test(arguments: WorkspaceKindTests.specs)
    func everyKindResumesExactly(_ spec: String) throws {
        let saved = try CheckpointFixtures.checkpoint(afterSteps: 5, threads: 1, spec: spec)
        let checkpoint = try CheckpointReader.decode(CheckpointWriter.encode(saved), file: "resume.fovea")
        let (train, test) = try CheckpointFixtures.data()
        let resumed = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: 3)
        var reports: [String] = []
        while resumed.epoch < 2 { reports.append(ExactResumeTests.line(try resumed.trainEpoch())) }
        let straight = try CheckpointFixtures.trainer(threads: 2, spec: spec)
        let straightReports = try (0 ..< 2).map { _ in ExactResumeTests.line(try straight.trainEpoch()) }
        #expect(resumed.model.parameters.array.map(\.bitPattern) == straight.model.parameters.array.map(\.bitPattern), "\(spec): weights")
        #expect(resumed.model.state.array.map(\.bitPattern) == straight.model.state.array.map(\.bitPattern), "\(spec): state")
        #expect(reports == Array(straightReports.suffix(reports.count)), "\(spec): reports")
    }

    /// A resumed run with a thread count of 1 equals one with 8, for every optimizer.
    @Test(arguments: [0, 1, 2])
    func resumedThreadCountDoesNotMatter(optimizerIndex: Int) throws {
        let options = ExactResumeTests.options(ExactResumeTests.optimizers[optimizerIndex])
        let checkpoint = try CheckpointReader.decode(CheckpointWriter.encode(CheckpointFixtures.checkpoint(afterSteps: 5, options: options)),
                                                     file: "resume.fovea")
        let (train, test) = try CheckpointFixtures.data()
        let weights = try [1, 8].map { threads in
            let trainer = try Trainer(resuming: checkpoint, epochs: 2, train: train, test: test, validation: nil, threads: threads)
            while trainer.epoch < 2 { _ = try trainer.trainEpoch() }
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
