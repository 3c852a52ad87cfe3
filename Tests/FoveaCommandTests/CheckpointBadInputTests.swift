import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// Bad checkpoints and bad resumes, through the commands: one line on standard error naming the
/// file or flag and what is wrong, exit status 1, and no file changed.
@Suite struct CheckpointBadInputTests {
    /// A finished one-epoch run's folder and a copy of its last.fovea bytes.
    func run(_ arguments: [String] = []) throws -> (folder: URL, last: String, bytes: Data) {
        let folder = try CommandFixtures.temporaryDirectory()
        try CommandFixtures.train(["--epochs", "1", "--run-dir", folder.path] + arguments)
        let last = folder.appendingPathComponent("last.fovea").path
        return (folder, last, try Data(contentsOf: URL(fileURLWithPath: last)))
    }

    func write(_ data: Data, _ path: String) throws {
        try data.write(to: URL(fileURLWithPath: path))
    }

    func eval(_ file: String) -> [String] {
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try EvalCommand.parse([file]).run(console: console) }
        #expect(console.output.isEmpty)
        return console.errors
    }

    func inspect(_ file: String) -> [String] {
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try InspectCommand.parse([file]).run(console: console) }
        return console.errors
    }

    func resume(_ arguments: [String]) -> [String] {
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try TrainCommand.parse(arguments).run(console: console, stopCheck: { nil }) }
        #expect(!console.output.contains("epoch "), "training started")
        return console.errors
    }

    @Test func notACheckpoint() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let empty = folder.appendingPathComponent("empty.fovea").path
        try write(Data(), empty)
        let gzip = folder.appendingPathComponent("last.fovea.gz").path
        try write(Data(try GzipWriter.compress([1, 2, 3])), gzip)
        let idx = try CommandFixtures.tinyMNIST() + "/t10k-labels-idx1-ubyte"
        let magic = "expected the magic bytes 46 4f 56 45 41 00 43 4b (\"FOVEA\\0CK\"), found"
        #expect(eval(empty) == ["fovea: \(empty): byte 0: the file is empty, not a Fovea checkpoint (an interrupted copy? use another checkpoint)"])
        #expect(eval(gzip) == ["fovea: \(gzip): byte 0: not a Fovea checkpoint: \(magic) 1f 8b 08 00 00 00 00 00 (gzip data: if this is a compressed checkpoint, gunzip it first)"])
        #expect(inspect(idx) == ["fovea: \(idx): byte 0: not a Fovea checkpoint: \(magic) 00 00 08 01 00 00 00 c8 (an IDX data file such as MNIST's images or labels; checkpoints are the .fovea files fovea train writes)"])
        #expect(resume(["--resume", folder.path + "/missing.fovea"]) == ["fovea: \(folder.path)/missing.fovea: cannot read: No such file or directory (check the path)"])
    }

    @Test func truncatedAndCorruptFilesAreRefusedAndLeftAlone() throws {
        let (folder, last, bytes) = try run()
        defer { try? FileManager.default.removeItem(at: folder) }
        let truncated = folder.appendingPathComponent("truncated.fovea").path
        let cut = bytes.prefix(bytes.count - 100)
        try write(cut, truncated)
        #expect(eval(truncated) == ["fovea: \(truncated): byte \(cut.count): the file ends early: it should have \(bytes.count) bytes, found \(cut.count) (a truncated copy; use another checkpoint, such as an epoch-NNNN.fovea file of the same run)"])
        #expect(resume(["--resume", truncated]).first?.hasPrefix("fovea: \(truncated): byte \(cut.count): the file ends early") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: truncated)) == cut)

        // A flipped bit in the parameters.
        let params = try #require(try CheckpointContainer(parsing: [UInt8](bytes), file: last).sections.first { $0.tag == "PARM" })
        var corrupt = bytes
        corrupt[params.fileOffset + params.payload.count / 2] ^= 0x01
        let corrupted = folder.appendingPathComponent("corrupt.fovea").path
        try write(corrupt, corrupted)
        let error = try #require(inspect(corrupted).first)
        #expect(error.hasPrefix("fovea: \(corrupted): byte ") && error.contains(": CRC-32 mismatch in section 'params' (bytes "))
        #expect(resume(["--resume", corrupted]) == [error])
        #expect(try Data(contentsOf: URL(fileURLWithPath: corrupted)) == corrupt)
        #expect(try Data(contentsOf: URL(fileURLWithPath: last)) == bytes)
    }

    @Test func newerFormatVersion() throws {
        let (folder, last, bytes) = try run()
        defer { try? FileManager.default.removeItem(at: folder) }
        let container = try CheckpointContainer(parsing: [UInt8](bytes), file: last)
        let newer = folder.appendingPathComponent("newer.fovea").path
        try write(Data(CheckpointContainer(formatVersion: 7, writerVersion: "2.4", sections: container.sections).bytes), newer)
        #expect(eval(newer) == ["fovea: \(newer): byte 8: format version 7, written by Fovea 2.4; this build (Fovea \(FoveaVersion.current)) reads up to version 6 (use a newer Fovea)"])
    }

    /// --resume with a different model, or any flag that contradicts the file, is refused before
    /// anything is read or written; the run folder is untouched.
    @Test func contradictingFlags() throws {
        let (folder, last, bytes) = try run()
        defer { try? FileManager.default.removeItem(at: folder) }
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(resume(["--resume", last, "--model", "lenet-small"]) == ["fovea: --model: 'conv(8,5,pad=2) relu maxpool(2) conv(16,5) relu maxpool(2) flatten dense(120) relu dense(84) relu dense(10)' differs from the model of \(last), '\(CommandFixtures.model)' (drop --model to resume this run, or start a new run without --resume)"])
        let rest = "(drop --lr to resume; only --epochs, --early-stop, --data, --threads, --run-dir, --save-every, --keep and --json can change)"
        #expect(resume(["--resume", last, "--lr", "0.1", "--epochs", "3"]) == ["fovea: --lr: 0.1 contradicts \(last), which was trained with 0.05 \(rest)"])
        #expect(resume(["--resume", last, "--validation", "50"]).first?.hasPrefix("fovea: --validation: 50 contradicts \(last), which was trained with 0 (drop --validation") == true)
        // The optimizer and its hyper-parameters come from the file too.
        #expect(resume(["--resume", last, "--optimizer", "adam"]) == ["fovea: --optimizer: adam contradicts \(last), which was trained with sgd (drop --optimizer to resume; only --epochs, --early-stop, --data, --threads, --run-dir, --save-every, --keep and --json can change)"])
        #expect(resume(["--resume", last, "--beta1", "0.8"]) == ["fovea: --beta1: does not apply to sgd, the optimizer of \(last) (drop --beta1 to resume)"])
        // A finished run resumed (its own --epochs, or the same number given) has nothing to
        // train: one line, exit status 0, nothing written, so that resuming is idempotent.
        for flags in [[], ["--epochs", "1"]] {
            let finished = CapturingConsole()
            try TrainCommand.parse(["--resume", last] + flags).run(console: finished, stopCheck: { nil })
            #expect(finished.output == "\(last) has finished all 1 epoch: nothing to train (pass --epochs 2 or more to train further)\n")
        }
        // The same model spelled differently is not a contradiction.
        let console = CapturingConsole()
        try TrainCommand.parse(["--resume", last, "--model", "conv(6, 5, stride=2) relu dropout(0.25) flatten dense(10)", "--epochs", "2",
                                "--run-dir", folder.appendingPathComponent("more").path]).run(console: console, stopCheck: { nil })
        #expect(console.output.contains("epoch 2/2"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == (before + ["more"]).sorted())
        #expect(try Data(contentsOf: URL(fileURLWithPath: last)) == bytes)
    }

    /// A diverging run stops at the step whose loss is not finite, with one line and exit 1,
    /// and writes no checkpoint after it.
    @Test func divergingRunStops() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) {
            try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--lr", "10000",
                                    "--momentum", "0", "--schedule", "constant", "--warmup", "0", "--epochs", "2",
                                    "--run-dir", folder.path]).run(console: console, stopCheck: { nil })
        }
        #expect(console.errors.count == 1)
        #expect(console.errors.first?.hasPrefix("fovea: training diverged in epoch 1 at step ") == true, "\(console.errors)")
        #expect(console.errors.first?.hasSuffix("that step was not applied and no checkpoint was written after it (train again with a lower --lr, or clip the gradient with --clip-grad-norm, e.g. 1)") == true)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("last.fovea").path))
    }

    /// A run folder that a live run holds (its lock taken here as another process's would be) is
    /// refused before anything is written; once the lock is released, the folder trains.
    @Test func twoRunsOneFolder() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lockPath = folder.appendingPathComponent(".fovea-run.lock").path
        try Data("4242\n".utf8).write(to: URL(fileURLWithPath: lockPath))
        let held = open(lockPath, O_RDWR)
        #expect(held >= 0 && flock(held, LOCK_EX | LOCK_NB) == 0)
        #expect(resume(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "1", "--run-dir", folder.path])
            == ["fovea: --run-dir \(folder.path): another fovea train (process 4242) is using this run folder (wait for it to finish, or choose another --run-dir)"])
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("last.fovea").path))
        close(held)
        try CommandFixtures.train(["--epochs", "1", "--run-dir", folder.path])
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("last.fovea").path))
    }

    /// A run folder that cannot be written is found before training starts.
    @Test func runDirectoryNotWritable() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("a-file").path
        try write(Data([1]), file)
        let console = CapturingConsole()
        let command = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--run-dir", file + "/run"])
        #expect(throws: ExitCode.failure) { try command.run(console: console, stopCheck: { nil }) }
        #expect(console.errors == ["fovea: --run-dir \(file)/run: cannot create the folder: Not a directory (choose a writable folder with --run-dir)"])
        #expect(console.output.isEmpty)
        let onFile = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--run-dir", file])
        let second = CapturingConsole()
        #expect(throws: ExitCode.failure) { try onFile.run(console: second, stopCheck: { nil }) }
        #expect(second.errors == ["fovea: --run-dir \(file): cannot use it as the run folder: Not a directory (choose a writable folder with --run-dir)"])
    }

    /// Resuming on other data warns (with both fingerprints) but continues, unless the number of
    /// training samples differs (the position in the epoch would mean nothing).
    @Test func resumingOnOtherDataWarns() throws {
        let (folder, last, _) = try run(["--limit", "600"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let (otherFolder, otherLast, _) = try run()
        defer { try? FileManager.default.removeItem(at: otherFolder) }
        #expect(resume(["--resume", otherLast, "--epochs", "2", "--data", mnistDirectory]) == ["fovea: \(otherLast): the run trained on 600 samples per epoch, but the training data give 60000 (resume with the same data, --limit and --validation)"])
        let console = CapturingConsole()
        try TrainCommand.parse(["--resume", last, "--epochs", "2", "--data", mnistDirectory, "--json"]).run(console: console, stopCheck: { nil })
        // Same 600 training samples (the first of MNIST), other test set.
        let warnings = console.errors.filter { $0.hasPrefix("fovea: warning:") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("fovea: warning: \(mnistDirectory): the test set differs from the one \(last) recorded (200 images, sha256 ") == true)
        #expect(console.output.split(separator: "\n").count == 1)
    }
}
