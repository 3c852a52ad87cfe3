import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea train --run-dir / --save-every / --keep / --resume` and stopping: the three ways of
/// interrupting and resuming a run end with the same weights as a run that never stopped.
/// (The tiny set has 600 training samples: 19 steps of 32 per epoch.)
@Suite struct ResumeCommandTests {
    func path(_ folder: URL, _ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The run folder's files, without the hidden lock file.
    func listing(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// metrics.csv without the timing columns.
    func figures(_ folder: URL) throws -> [String] {
        let text = try String(contentsOfFile: path(folder, "metrics.csv"), encoding: .utf8)
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return fields.prefix(5).joined(separator: ",") + "," + (fields.last.map(String.init) ?? "")
        }
    }

    /// For each optimizer (SGD, Adam, AdamW).
    @Test(arguments: CommandFixtures.optimizers)
    func threeWaysOfResumingGiveTheSameWeights(optimizer: [String]) throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let straight = root.appendingPathComponent("straight")
        try CommandFixtures.train(["--epochs", "2", "--threads", "2", "--run-dir", straight.path], optimizer: optimizer)
        let reference = try CommandFixtures.weights(path(straight, "last.fovea"))
        #expect(listing(straight) == ["best.fovea", "epoch-0001.fovea", "epoch-0002.fovea", "last.fovea", "metrics.csv"])

        // 1. One epoch, then resume to 2 (the run is stopped at the epoch boundary, step 19).
        let boundary = root.appendingPathComponent("boundary")
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(["--epochs", "2", "--threads", "2", "--run-dir", boundary.path], optimizer: optimizer,
                                      stopCheck: CommandFixtures.stop(afterSteps: 19))
        }
        let boundaryCheckpoint = try CheckpointReader.read(path(boundary, "last.fovea"))
        #expect(boundaryCheckpoint.state.epoch == 1 && boundaryCheckpoint.state.stepInEpoch == 0)
        try CommandFixtures.resume(path(boundary, "last.fovea"), ["--threads", "1"])
        #expect(try CommandFixtures.weights(path(boundary, "last.fovea")) == reference)
        #expect(try figures(boundary) == figures(straight))

        // 2. From the epoch-0001.fovea of the straight run, in another folder.
        let fromEpochFile = root.appendingPathComponent("from-epoch-file")
        try CommandFixtures.resume(path(straight, "epoch-0001.fovea"), ["--run-dir", fromEpochFile.path, "--threads", "3"])
        #expect(try CommandFixtures.weights(path(fromEpochFile, "last.fovea")) == reference)

        // 3. Stopped mid-epoch after a --save-every checkpoint (step 27 = epoch 2, step 8), resumed
        //    with another thread count.
        let midEpoch = root.appendingPathComponent("mid-epoch")
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(["--epochs", "2", "--threads", "2", "--save-every", "5", "--run-dir", midEpoch.path],
                                      optimizer: optimizer, stopCheck: CommandFixtures.stop(afterSteps: 27))
        }
        let stopped = try CheckpointReader.read(path(midEpoch, "last.fovea"))
        #expect(stopped.state.epoch == 1 && stopped.state.stepInEpoch == 8 && stopped.state.globalStep == 27)
        try CommandFixtures.resume(path(midEpoch, "last.fovea"), ["--threads", "1"])
        #expect(try CommandFixtures.weights(path(midEpoch, "last.fovea")) == reference)
        #expect(try figures(midEpoch) == figures(straight), "the resumed epoch reports what the straight run reported")
    }

    /// A --save-every checkpoint read straight from disk (no stop) resumes exactly too.
    @Test func saveEveryCheckpointResumes() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("run")
        // Stopped by SIGTERM before step 31: the last --save-every 10 checkpoint was at step 30.
        #expect(throws: ExitCode(143)) {
            try CommandFixtures.train(["--epochs", "2", "--save-every", "10", "--run-dir", run.path], stopCheck: CommandFixtures.stop(afterSteps: 30, .terminate))
        }
        let saved = try CheckpointReader.read(path(run, "last.fovea"))
        #expect(saved.state.globalStep == 30 && saved.history.last?.epoch == 1 && saved.history.best?.epoch == 1)
        let straight = root.appendingPathComponent("straight")
        try CommandFixtures.train(["--epochs", "2", "--run-dir", straight.path])
        try CommandFixtures.resume(path(run, "last.fovea"), ["--threads", "1"])
        #expect(try CommandFixtures.weights(path(run, "last.fovea")) == CommandFixtures.weights(path(straight, "last.fovea")))
    }

    /// With a constant schedule, `--epochs 1` then `--resume … --epochs 2` equals 2 epochs straight.
    /// With cosine the schedule is re-planned (and the header says so).
    @Test func extendingARun() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        for schedule in ["constant", "cosine"] {
            let straight = root.appendingPathComponent("straight-\(schedule)"), extended = root.appendingPathComponent("extended-\(schedule)")
            try CommandFixtures.train(["--schedule", schedule, "--epochs", "2", "--run-dir", straight.path])
            try CommandFixtures.train(["--schedule", schedule, "--epochs", "1", "--run-dir", extended.path])
            let console = try CommandFixtures.resume(path(extended, "last.fovea"), ["--epochs", "2"])
            let same = try CommandFixtures.weights(path(extended, "last.fovea")) == CommandFixtures.weights(path(straight, "last.fovea"))
            #expect(same == (schedule == "constant"), "\(schedule)")
            #expect(console.output.contains("note: --epochs 2 changes the cosine schedule planned for 1 epochs") == (schedule == "cosine"))
        }
    }

    /// Stopping saves last.fovea, prints how to resume on standard error, and exits 130 (SIGINT)
    /// or 143 (SIGTERM).
    @Test(arguments: [(StopReason.interrupt, "SIGINT", Int32(130)), (.terminate, "SIGTERM", 143)])
    func stopSavesAndSaysHowToResume(reason: StopReason, name: String, status: Int32) throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("my run")
        let console = CapturingConsole()
        let command = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "3",
                                              "--run-dir", run.path])
        #expect(throws: ExitCode(status)) { try command.run(console: console, stopCheck: CommandFixtures.stop(afterSteps: 23, reason)) }
        let last = path(run, "last.fovea")
        #expect(console.errors == ["fovea: \(name): stopped in epoch 2 after step 4 of 19; saved \(last)",
                                   "fovea: to resume: fovea train --resume '\(last)'"])
        #expect(try CheckpointReader.read(last).state.globalStep == 23)
        #expect(listing(run) == ["best.fovea", "epoch-0001.fovea", "last.fovea", "metrics.csv"])
    }

    @Test func keepsTheLastKEpochFilesAndOneMetricsRowPerEpoch() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let console = try CommandFixtures.train(["--epochs", "3", "--keep", "2", "--run-dir", root.path, "--json"])
        #expect(listing(root) == ["best.fovea", "epoch-0002.fovea", "epoch-0003.fovea", "last.fovea", "metrics.csv"])
        let csv = try String(contentsOfFile: path(root, "metrics.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "epoch,train_loss,train_accuracy,test_loss,test_accuracy,samples_per_second,seconds,learning_rate")
        // The rows hold the JSON lines' values, as the same text.
        let jsonLines = console.output.split(separator: "\n")
        #expect(csv.count == 4 && jsonLines.count == 3)
        let keys = csv[0].split(separator: ",")
        for (row, line) in zip(csv.dropFirst(), jsonLines) {
            let values = row.split(separator: ",")
            #expect(line == "{" + zip(keys, values).map { "\"\($0)\":\($1)" }.joined(separator: ",") + "}")
        }
        // best.fovea is the epoch of the highest test accuracy.
        let accuracies = csv.dropFirst().map { Double($0.split(separator: ",")[4]) ?? 0 }
        let bestEpoch = (accuracies.firstIndex(of: accuracies.max() ?? 0) ?? 0) + 1
        #expect(try CheckpointReader.read(path(root, "best.fovea")).state.epoch == bestEpoch)
        // --keep 0 writes no epoch files.
        let none = root.appendingPathComponent("none")
        try CommandFixtures.train(["--epochs", "1", "--keep", "0", "--run-dir", none.path])
        #expect(listing(none) == ["best.fovea", "last.fovea", "metrics.csv"])
    }

    /// With a validation set, best.fovea follows validation accuracy, and resuming keeps the split.
    @Test func validationSetDecidesBestAndIsKeptOnResume() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(["--epochs", "2", "--validation", "100", "--limit", "500", "--run-dir", root.path],
                                      stopCheck: CommandFixtures.stop(afterSteps: 20))
        }
        let checkpoint = try CheckpointReader.read(path(root, "last.fovea"))
        #expect(checkpoint.data.limit == 500 && checkpoint.data.validation == 100 && checkpoint.data.train.count == 400)
        #expect(checkpoint.history.best?.validationAccuracy != nil)
        try CommandFixtures.resume(path(root, "last.fovea"))
        let header = try String(contentsOfFile: path(root, "metrics.csv"), encoding: .utf8).split(separator: "\n").first
        #expect(header == "epoch,train_loss,train_accuracy,test_loss,test_accuracy,validation_loss,validation_accuracy,samples_per_second,seconds,learning_rate")
    }
}
