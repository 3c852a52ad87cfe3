import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// A full disk, a quota or a run folder that disappears while a run saves: one line naming the
/// file and the reason, and how to resume from the newest whole checkpoint; no torn checkpoint,
/// no temporary file left, no training on unsaved. Faults are injected into `AtomicFile` for
/// paths in each test's own folder only, so tests running beside these are not affected.
///
/// Serialized: the injection rule is process-wide.
@Suite(.serialized) struct ResourceFaultTests {
    func train(_ arguments: [String]) throws -> (CapturingConsole, Bool) {
        do {
            return (try CommandFixtures.train(arguments), true)
        } catch is ExitCode {
            return (CapturingConsole(), false)
        }
    }

    /// Runs `fovea train` on the fixture with `arguments`; returns its console and whether it
    /// succeeded.
    func run(_ arguments: [String], resume: String? = nil) -> (CapturingConsole, Bool) {
        let console = CapturingConsole()
        do {
            let base = resume.map { ["--resume", $0] } ?? ["--data", (try? CommandFixtures.tinyMNIST()) ?? "", "--model", CommandFixtures.model,
                                                           "--batch-size", "32", "--lr", "0.05", "--warmup", "0", "--seed", "5"]
            try TrainCommand.parse(base + arguments).run(console: console, stopCheck: { nil })
            return (console, true)
        } catch {
            return (console, false)
        }
    }

    func files(in folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".fovea-run") }.sorted()
    }

    /// The disk fills up while epoch 2's checkpoints are written: the run stops there, epoch 1's
    /// files are whole and untouched, and resuming from the named file once there is room ends
    /// with the same weights as a run that never failed.
    @Test func fullDiskStopsTheRunWithAResumeHint() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("run"), prefix = folder.path + "/"
        AtomicFile.injectFailures { $0.hasPrefix(prefix) && $0.hasSuffix("epoch-0002.fovea") ? ENOSPC : nil }
        let (console, succeeded) = run(["--epochs", "3", "--run-dir", folder.path])
        AtomicFile.injectFailures(nil)
        #expect(!succeeded)
        let last = folder.appendingPathComponent("last.fovea").path
        let epochFile = folder.appendingPathComponent("epoch-0002.fovea").path
        #expect(console.errors == ["fovea: cannot save the checkpoints of epoch 2, so training stops here rather than go on unsaved: \(epochFile): cannot write: writing \(folder.path)/.epoch-0002.fovea.tmp-\(getpid()): No space left on device (free some space or choose a writable --run-dir; the previous file is unchanged); once that is fixed, resume from the last one saved: fovea train --resume \(last)"])
        #expect(console.output.contains("epoch 2/3") && !console.output.contains("epoch 3/3"))
        // Epoch 1's files, whole; no temporary file; metrics.csv holds epoch 1 only.
        #expect(try files(in: folder) == ["best.fovea", "epoch-0001.fovea", "last.fovea", "metrics.csv"])
        #expect(try CheckpointReader.read(last).state.epoch == 1)
        #expect(try Data(contentsOf: URL(fileURLWithPath: last)) == Data(contentsOf: folder.appendingPathComponent("epoch-0001.fovea")))
        #expect(try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n").count == 2)

        let (resumed, resumedOK) = run([], resume: last)
        #expect(resumedOK && resumed.output.contains("epoch 3/3"))
        let (_, uninterruptedOK) = run(["--epochs", "3", "--run-dir", root.appendingPathComponent("whole").path])
        #expect(uninterruptedOK)
        #expect(try CommandFixtures.weights(last) == CommandFixtures.weights(root.appendingPathComponent("whole/last.fovea").path))
    }

    /// A quota hit by the very first save (`--keep 0`: last.fovea is the first file): nothing of
    /// this run is left to resume from, and the message says so.
    @Test func aQuotaOnTheFirstSaveSaysNothingIsSaved() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let prefix = root.path + "/"
        AtomicFile.injectFailures { $0.hasPrefix(prefix) ? EDQUOT : nil }
        let (console, succeeded) = run(["--epochs", "2", "--keep", "0", "--run-dir", root.path])
        AtomicFile.injectFailures(nil)
        #expect(!succeeded)
        let line = try #require(console.errors.last)
        #expect(line.hasPrefix("fovea: cannot save the checkpoints of epoch 1, so training stops here rather than go on unsaved: \(root.path)/last.fovea: cannot write: "))
        #expect(line.contains("Disk quota exceeded") && line.hasSuffix("; no checkpoint of this run is left to resume from: fix that and start the run again"))
        #expect(try files(in: root).isEmpty)
    }

    /// With `--save-every 10`, last.fovea is written at step 10, then at the end of epoch 1
    /// (step 19: 600 samples in batches of 32); that second write fails, and the step-10
    /// checkpoint is the whole one the message points to.
    @Test func aFailedSaveAfterAMidEpochOneResumesFromIt() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let last = root.appendingPathComponent("last.fovea").path
        let writes = Counter()
        AtomicFile.injectFailures { path in path == last && writes.next() == 2 ? ENOSPC : nil }
        let (console, succeeded) = run(["--epochs", "2", "--save-every", "10", "--keep", "0", "--run-dir", root.path])
        AtomicFile.injectFailures(nil)
        #expect(!succeeded)
        let line = try #require(console.errors.last)
        #expect(line.hasPrefix("fovea: cannot save the checkpoints of epoch 1, so training stops here"))
        #expect(line.hasSuffix("resume from the last one saved: fovea train --resume \(last)"))
        #expect(try CheckpointReader.read(last).state.globalStep == 10)
    }

    /// The run folder is removed while the run trains: the next save cannot create its file, and
    /// the message says no checkpoint is left.
    @Test func aRunFolderThatDisappearsStopsTheRun() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("run")
        let prefix = folder.path + "/"
        AtomicFile.injectFailures { path in
            if path.hasPrefix(prefix) && path.hasSuffix("epoch-0002.fovea") { try? FileManager.default.removeItem(at: folder) }
            return nil
        }
        let (console, succeeded) = run(["--epochs", "3", "--run-dir", folder.path])
        AtomicFile.injectFailures(nil)
        #expect(!succeeded)
        let line = try #require(console.errors.last)
        // The folder went away after the temporary file was opened in it: the rename fails.
        #expect(line.contains("cannot write: renaming \(folder.path)/.epoch-0002.fovea.tmp-\(getpid()): No such file or directory"))
        #expect(line.hasSuffix("; no checkpoint of this run is left to resume from: fix that and start the run again"))
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }
}

/// A thread-safe counter for fault rules.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    /// The count after adding one (1 on the first call).
    func next() -> Int { lock.withLock { count += 1; return count } }
}
