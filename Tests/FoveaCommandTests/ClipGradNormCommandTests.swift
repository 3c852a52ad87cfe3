import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea train --clip-grad-norm X`: the flag's checks, the checkpoint that keeps it, resuming
/// with it, and a gradient that goes non-finite. (The tiny set: 600 training samples, 19 steps of
/// 32 per epoch.)
@Suite struct ClipGradNormCommandTests {
    func path(_ folder: URL, _ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The run folder's files, without the hidden lock file.
    func listing(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// A value that is not a finite number above 0 is refused before anything runs, naming the
    /// flag, the value and what is allowed.
    @Test(arguments: [
        (["--clip-grad-norm", "0"], "--clip-grad-norm: must be a finite number > 0, got 0.0"),
        (["--clip-grad-norm=-1"], "--clip-grad-norm: must be a finite number > 0, got -1.0"),
        (["--clip-grad-norm", "nan"], "--clip-grad-norm: must be a finite number > 0, got nan"),
        (["--clip-grad-norm", "inf"], "--clip-grad-norm: must be a finite number > 0, got inf"),
        (["--resume", "x.fovea", "--clip-grad-norm=-0.5"], "--clip-grad-norm: must be a finite number > 0, got -0.5"),
    ])
    func rejectsBadValues(arguments: [String], message: String) {
        do {
            _ = try TrainCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(TrainCommand.message(for: error) == message)
        }
    }

    @Test func rejectsWhatIsNotANumber() {
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--clip-grad-norm", "one"]) }
    }

    /// A clipped run says so in its header, writes format version 4 with the limit, and `inspect`
    /// shows it; a run that does not clip writes the version it always did.
    @Test func checkpointHoldsTheLimit() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let clipped = root.appendingPathComponent("clipped"), plain = root.appendingPathComponent("plain")
        let console = try CommandFixtures.train(["--epochs", "1", "--clip-grad-norm", "0.25", "--run-dir", clipped.path])
        #expect(console.output.contains(", gradient norm clipped to 0.25, seed 5, "))
        let file = path(clipped, "last.fovea")
        let checkpoint = try CheckpointReader.read(file)
        #expect(checkpoint.formatVersion == 4 && checkpoint.options.gradientClipping == GradientClipping(maxNorm: 0.25))
        let sections = try CheckpointContainer(parsing: [UInt8](try Data(contentsOf: URL(fileURLWithPath: file))), file: file).sections
        #expect(sections.map(\.tag) == ["META", "PARM", "OPTM", "TRNR", "CLIP"])
        #expect(sections.last?.payload == withUnsafeBytes(of: (0.25).bitPattern.littleEndian, Array.init))

        let text = CapturingConsole()
        try InspectCommand.parse([file]).run(console: text)
        #expect(text.output.contains("\nformat: version 4, written by Fovea \(FoveaVersion.current)\n"))
        #expect(text.output.contains(", 1 epoch planned, gradient norm clipped to 0.25\n"))
        let json = CapturingConsole()
        try InspectCommand.parse([file, "--json"]).run(console: json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect((object["hyper_parameters"] as? [String: Any])?["clip_grad_norm"] as? Double == 0.25)

        try CommandFixtures.train(["--epochs", "1", "--run-dir", plain.path])
        let unclipped = try CheckpointReader.read(path(plain, "last.fovea"))
        #expect(unclipped.formatVersion == 1 && unclipped.options.gradientClipping == nil)
        #expect(try CommandFixtures.weights(path(plain, "last.fovea")) != CommandFixtures.weights(file), "clipping at 0.25 changed nothing")
        let plainJSON = CapturingConsole()
        try InspectCommand.parse([path(plain, "last.fovea"), "--json"]).run(console: plainJSON)
        #expect(plainJSON.output.contains("\"clip_grad_norm\":null"))
    }

    /// `--resume` continues with the file's limit, with no flag: a run stopped mid-epoch and
    /// resumed (on another thread count) ends with the weights of one that never stopped. Giving
    /// the same limit again is fine; another one, or one for a run that did not clip, is refused.
    @Test func resumeKeepsTheLimit() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let clip = ["--clip-grad-norm", "0.25"]
        let straight = root.appendingPathComponent("straight")
        try CommandFixtures.train(["--epochs", "2", "--threads", "2", "--run-dir", straight.path] + clip)
        let reference = try CommandFixtures.weights(path(straight, "last.fovea"))

        let stopped = root.appendingPathComponent("stopped")
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(["--epochs", "2", "--threads", "2", "--save-every", "5", "--run-dir", stopped.path] + clip,
                                      stopCheck: CommandFixtures.stop(afterSteps: 27))
        }
        let saved = try CheckpointReader.read(path(stopped, "last.fovea"))
        #expect(saved.state.globalStep == 27 && saved.options.gradientClipping?.maxNorm == 0.25)
        let resumed = try CommandFixtures.resume(path(stopped, "last.fovea"), ["--threads", "1"])
        #expect(resumed.output.contains(", gradient norm clipped to 0.25, "))
        #expect(try CommandFixtures.weights(path(stopped, "last.fovea")) == reference)
        #expect(try CheckpointReader.read(path(stopped, "last.fovea")).options.gradientClipping?.maxNorm == 0.25)

        // From epoch 1 of the straight run, with the limit given again (it agrees).
        let again = root.appendingPathComponent("again")
        try CommandFixtures.resume(path(straight, "epoch-0001.fovea"), ["--run-dir", again.path, "--threads", "3"] + clip)
        #expect(try CommandFixtures.weights(path(again, "last.fovea")) == reference)

        let plain = root.appendingPathComponent("plain")
        try CommandFixtures.train(["--epochs", "1", "--run-dir", plain.path])
        for (file, saved) in [(path(straight, "epoch-0001.fovea"), "0.25"), (path(plain, "last.fovea"), "no clipping")] {
            let console = CapturingConsole()
            #expect(throws: ExitCode.failure) {
                try TrainCommand.parse(["--resume", file, "--epochs", "2", "--clip-grad-norm", "1"]).run(console: console, stopCheck: { nil })
            }
            #expect(console.errors == ["fovea: --clip-grad-norm: 1.0 contradicts \(file), which was trained with \(saved) (drop --clip-grad-norm to resume; only --epochs, --early-stop, --data, --threads, --run-dir, --save-every, --keep and --json can change)"])
        }
    }

    /// A checkpoint in `folder` whose first step has a finite loss but an infinite gradient
    /// (the weights of `GradientDivergenceTests.overflowingGradient`: a first dense layer of
    /// zeros, a second of ±3·10³⁸ and a bias that favours class 0), on the tiny set; and the
    /// error the library gives for that step.
    func overflowingCheckpoint(in folder: URL, clipping: Double?) throws -> (file: String, error: String) {
        let directory = try CommandFixtures.tinyMNIST()
        let mnist = try MNISTDataset(directory: directory)
        let network = try Network(spec: ModelSpec("flatten dense(8) dense(10)"), inputShape: mnist.train.sampleShape, classes: 10)
        var values = [Float](repeating: 0, count: network.parameterCount)
        for tensor in network.parameterTensors {
            if tensor.name == "layer3.dense.weight" {
                for i in tensor.range { values[i] = i - tensor.range.lowerBound < tensor.shape.shape[1] ? -3e38 : 3e38 }
            } else if tensor.name == "layer3.dense.bias" {
                values[tensor.range.lowerBound] = 50
            }
        }
        let model = Model(network: network, normalization: Normalization(statisticsOf: mnist.train), parameters: values)
        let options = TrainingOptions(epochs: 2, batchSize: 32, optimizer: SGD(learningRate: 0.01, momentum: 0),
                                      schedule: LearningRateSchedule(kind: .constant), seed: 5,
                                      gradientClipping: clipping.flatMap(GradientClipping.init(maxNorm:)))
        let trainer = Trainer(model: model, options: options, train: mnist.train, test: mnist.test, validation: nil, threads: 2)
        let record = TrainingDataRecord(directory: directory, limit: nil, validation: 0, train: DataFingerprint(of: mnist.train),
                                        validationSet: DataFingerprint(of: nil), test: DataFingerprint(of: mnist.test))
        let file = path(folder, "last.fovea")
        try CheckpointWriter.write(Checkpoint(trainer: trainer, data: record, history: RunHistory()), to: file)
        do {
            _ = try trainer.trainEpoch()
        } catch let error as TrainingError {
            if case .gradientNotFinite = error { return (file, "\(error)") }
            Issue.record("the library's run stopped otherwise: \(error)")
        }
        Issue.record("the library's run did not stop")
        return (file, "")
    }

    /// The step whose gradient is not finite stops `fovea train`: one line naming the epoch, the
    /// step and the element, and the remedy; exit 1; the checkpoint it resumed from is untouched
    /// and nothing else is written.
    @Test(arguments: [nil, 2.0])
    func nonFiniteGradientStopsTheRun(clipping: Double?) throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (file, error) = try overflowingCheckpoint(in: folder, clipping: clipping)
        #expect(error.hasPrefix("training diverged in epoch 1 at step 1 of 19: the gradient went non-finite (element "))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try TrainCommand.parse(["--resume", file]).run(console: console, stopCheck: { nil }) }
        #expect(console.errors == ["fovea: \(error)"])
        #expect(console.errors.first?.hasSuffix(clipping == nil ? "(train again with a lower --lr, or clip the gradient with --clip-grad-norm, e.g. 1)"
                                                    : "(train again with a lower --lr or a --clip-grad-norm below 2.0)") == true)
        #expect(!console.output.contains("epoch 1/2"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == bytes)
        #expect(listing(folder) == ["last.fovea"])
    }
}
