import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

extension ResourceFaultTests {
    /// A stop request (SIGINT or SIGTERM) at every phase of a run, in-process: `stopCheck` stands
    /// for `StopSignals`, and a rule in `AtomicFile.injectFailures` (which fails nothing) makes the
    /// "signal" arrive exactly while a given file is being written. A stop before the first step
    /// saves nothing; one during an epoch's evaluation or checkpoint writes is honoured after all of
    /// that epoch's files are written whole, without writing last.fovea again; the exit status is
    /// 130 (SIGINT) or 143 (SIGTERM) in every case. The real signals, at the same phases, are in
    /// `SignalProcessTests`. (The tiny set: 600 training samples, 19 steps of 32 per epoch.)
    ///
    /// Nested in `ResourceFaultTests`, whose `.serialized` applies to it too: the injection rule is
    /// process-wide, so no two tests that set one may run at once.
    @Suite struct SignalPhaseTests {
        func path(_ folder: URL, _ name: String) -> String { folder.appendingPathComponent(name).path }

        /// Every file in `folder` but the lock file, with its bytes.
        func contents(_ folder: URL) throws -> [String: Data] {
            var result: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name != ".fovea-run.lock" {
                result[name] = try Data(contentsOf: folder.appendingPathComponent(name))
            }
            return result
        }

        /// A stop request that a fault rule sets (on the writer's thread) and `stopCheck` reads.
        final class Request: @unchecked Sendable {
            private let lock = NSLock()
            private var reason: StopReason?
            func set(_ new: StopReason) { lock.withLock { if reason == nil { reason = new } } }
            var current: StopReason? { lock.withLock { reason } }
        }

        /// A stop that came while the data loaded (before the first poll) ends a new run at once:
        /// nothing saved, and the run folder it created (here two levels) is removed again.
        @Test(arguments: [(StopReason.interrupt, "SIGINT", Int32(130)), (.terminate, "SIGTERM", 143)])
        func stopBeforeTheFirstStepOfANewRunSavesNothing(reason: StopReason, name: String, status: Int32) throws {
            let root = try CommandFixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let console = CapturingConsole()
            let command = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "2",
                                                  "--run-dir", path(root, "new/run")])
            #expect(throws: ExitCode(status)) { try command.run(console: console, stopCheck: { reason }) }
            #expect(console.errors == ["fovea: \(name): stopped before training started; nothing saved"])
            #expect(console.output.hasPrefix("model: "), "the header is printed as usual")
            #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty, "the folders made for the run are removed")

            // A --run-dir that existed is left as it was (with the lock file, as after any run).
            let existing = root.appendingPathComponent("existing")
            try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
            try Data("mine".utf8).write(to: existing.appendingPathComponent("notes.txt"))
            let again = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "2",
                                                "--run-dir", existing.path])
            #expect(throws: ExitCode(status)) { try again.run(console: CapturingConsole(), stopCheck: { reason }) }
            #expect(try contents(existing) == ["notes.txt": Data("mine".utf8)])
        }

        /// A resumed run stopped before its first step writes nothing: not even last.fovea, which
        /// here is newer (epoch 2) than the epoch-0001.fovea resumed. It says the file resumed is
        /// unchanged and how to resume from it.
        @Test func stopBeforeTheFirstStepOfAResumeChangesNoFile() throws {
            let root = try CommandFixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            try CommandFixtures.train(["--epochs", "2", "--run-dir", root.path])
            let before = try contents(root)
            let epochFile = path(root, "epoch-0001.fovea")
            let output = CapturingConsole()
            #expect(throws: ExitCode(143)) {
                try TrainCommand.parse(["--resume", epochFile, "--epochs", "3"]).run(console: output, stopCheck: { .terminate })
            }
            #expect(output.errors == ["fovea: SIGTERM: stopped before training resumed; \(epochFile) is unchanged",
                                      "fovea: to resume: fovea train --resume \(epochFile)"])
            #expect(try contents(root) == before, "no file of the run folder changed")
        }

        /// Where the "signal" arrives at the end of epoch 1: during the evaluation (the first poll
        /// after the epoch's last step, which is where a signal during evaluation is first seen), or
        /// while one of the epoch's four files is being written.
        static let endOfEpochMoments = ["evaluation", "epoch-0001.fovea", "last.fovea", "best.fovea", "metrics.csv"]

        /// A stop during epoch 1's evaluation or any of its writes is honoured once all of epoch 1's
        /// files are written whole: last.fovea holds the finished epoch (written once, not again on
        /// stopping), metrics.csv its row, no temporary file is left, and the message says the
        /// epoch was saved.
        @Test(arguments: endOfEpochMoments)
        func stopAtTheEndOfAnEpochIsHonouredAfterItsFiles(moment: String) throws {
            let root = try CommandFixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let request = Request()
            let lastWrites = Counter()
            let last = path(root, "last.fovea")
            AtomicFile.injectFailures { written in
                if written == last { _ = lastWrites.next() }
                if written == root.appendingPathComponent(moment).path { request.set(.interrupt) }
                return nil
            }
            defer { AtomicFile.injectFailures(nil) }
            let stopCheck: () -> StopReason? = moment == "evaluation" ? CommandFixtures.stop(afterSteps: 19) : { request.current }
            let console = CapturingConsole()
            let command = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "3",
                                                  "--run-dir", root.path])
            #expect(throws: ExitCode(130)) { try command.run(console: console, stopCheck: stopCheck) }
            #expect(console.errors == ["fovea: SIGINT: stopped after epoch 1 of 3; saved \(last)",
                                       "fovea: to resume: fovea train --resume \(last)"])
            #expect(console.output.contains("epoch 1/3") && !console.output.contains("epoch 2/3"))
            let files = try contents(root)
            #expect(files.keys.sorted() == ["best.fovea", "epoch-0001.fovea", "last.fovea", "metrics.csv"])
            #expect(files["last.fovea"] == files["epoch-0001.fovea"])
            let state = try CheckpointReader.read(last).state
            #expect(state.epoch == 1 && state.stepInEpoch == 0)
            #expect(String(decoding: files["metrics.csv"] ?? Data(), as: UTF8.self).split(separator: "\n").count == 2)
            #expect(lastWrites.next() == 2, "last.fovea was written once, at the epoch's end")
        }

        /// A stop while the last epoch's files are written: the run had finished; it says so, with
        /// the exit status of the signal.
        @Test func stopWhileTheLastEpochIsSavedEndsAFinishedRun() throws {
            let root = try CommandFixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let request = Request()
            let target = path(root, "epoch-0002.fovea")
            AtomicFile.injectFailures { written in
                if written == target { request.set(.terminate) }
                return nil
            }
            defer { AtomicFile.injectFailures(nil) }
            let console = CapturingConsole()
            let command = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "2",
                                                  "--run-dir", root.path])
            #expect(throws: ExitCode(143)) { try command.run(console: console, stopCheck: { request.current }) }
            #expect(console.errors == ["fovea: SIGTERM: the run had finished; its checkpoints are in \(root.path)"])
            #expect(try CheckpointReader.read(path(root, "last.fovea")).state.epoch == 2)
            #expect(try contents(root).keys.sorted() == ["best.fovea", "epoch-0001.fovea", "epoch-0002.fovea", "last.fovea", "metrics.csv"])
        }

        /// A stop while a --save-every checkpoint is written (step 10): the run stops at the next
        /// poll, and last.fovea, which already holds step 10, is not written again.
        @Test func stopDuringASaveEveryWriteDoesNotWriteAgain() throws {
            let root = try CommandFixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            let request = Request()
            let lastWrites = Counter()
            let last = path(root, "last.fovea")
            AtomicFile.injectFailures { written in
                if written == last && lastWrites.next() == 1 { request.set(.interrupt) }
                return nil
            }
            defer { AtomicFile.injectFailures(nil) }
            let console = CapturingConsole()
            let command = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "2",
                                                  "--save-every", "10", "--run-dir", root.path])
            #expect(throws: ExitCode(130)) { try command.run(console: console, stopCheck: { request.current }) }
            #expect(console.errors == ["fovea: SIGINT: stopped in epoch 1 after step 10 of 19; saved \(last)",
                                       "fovea: to resume: fovea train --resume \(last)"])
            #expect(try CheckpointReader.read(last).state.globalStep == 10)
            #expect(lastWrites.next() == 2, "last.fovea was written once")
        }

        /// Resuming a run that had stopped early trains nothing; a stop that came meanwhile gives
        /// the signal's exit status, and no file changes.
        @Test func stopWhileResumingAFinishedRun() throws {
            let root = try CommandFixtures.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: root) }
            try CommandFixtures.train(EarlyStopCommandTests.plateau + ["--epochs", "10", "--early-stop", "2", "--run-dir", root.path])
            let last = path(root, "last.fovea")
            let before = try contents(root)
            let console = CapturingConsole()
            #expect(throws: ExitCode(130)) {
                try TrainCommand.parse(["--resume", last]).run(console: console, stopCheck: { .interrupt })
            }
            #expect(console.output.contains("nothing to train from \(last)"))
            #expect(console.errors == ["fovea: SIGINT: the run had finished; \(last) is unchanged"])
            #expect(try contents(root) == before)
        }
    }
}
