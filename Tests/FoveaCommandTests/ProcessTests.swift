import Foundation
import Fovea
import Testing

/// The `fovea` executable, run as a process and stopped by real signals: SIGINT saves and exits
/// 130 (a second one exits at once), SIGTERM exits 143, and SIGKILL at any moment of writing a
/// checkpoint never leaves a `last.fovea` that does not load.
@Suite struct ProcessTests {
    struct ExecutableNotFound: Error, CustomStringConvertible {
        let candidates: [String]
        var description: String {
            "the fovea executable was not found beside the test binary (looked for \(candidates.joined(separator: ", "))); `swift test` builds it, or run `swift build -c release` first"
        }
    }

    /// The `fovea` built with these tests: in the same folder as the test binary
    /// (`.build/<triple>/<configuration>/`), else in the package's `.build/release/`.
    static func executable() throws -> URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let candidates = [testBinary.deletingLastPathComponent(), packageRoot.appendingPathComponent(".build/release")]
            .map { $0.appendingPathComponent("fovea") }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw ExecutableNotFound(candidates: candidates.map(\.path))
        }
        return found
    }

    /// A started `fovea train` with its standard error going to a file.
    struct Run {
        let process: Process
        let stderr: URL

        init(_ arguments: [String], in folder: URL) throws {
            process = Process()
            process.executableURL = try ProcessTests.executable()
            process.arguments = ["train"] + arguments
            process.standardOutput = FileHandle.nullDevice
            stderr = folder.appendingPathComponent("stderr-\(UUID().uuidString).txt")
            try Data().write(to: stderr)
            process.standardError = try FileHandle(forWritingTo: stderr)
            try process.run()
        }

        var errorText: String { (try? String(contentsOf: stderr, encoding: .utf8)) ?? "" }

        func signal(_ number: Int32) { kill(process.processIdentifier, number) }

        /// Waits (up to a minute) until `condition` holds or the process has ended.
        func wait(until condition: () -> Bool) {
            let deadline = Date().addingTimeInterval(60)
            while !condition() && process.isRunning && Date() < deadline { usleep(2_000) }
        }
    }

    func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// A usage error is one line on standard error, naming the flag and where the help is, with
    /// exit status 2 (not argument-parser's multi-line message and 64); --help exits 0.
    @Test(arguments: [
        (["train", "--epochs", "0"], "fovea: --epochs: must be at least 1, got 0 (see 'fovea train --help')", Int32(2)),
        (["bench", "--bogus"], "fovea: Unknown option '--bogus'. Did you mean '--loss'? (see 'fovea bench --help')", 2),
        (["--nonsense"], "fovea: Unknown option '--nonsense' (see 'fovea --help')", 2),
        (["summary", "--help"], "", 0),
    ])
    func usageErrorsAreOneLineWithStatusTwo(arguments: [String], message: String, status: Int32) throws {
        let process = Process()
        process.executableURL = try ProcessTests.executable()
        process.arguments = arguments
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == status)
        #expect(text == (message.isEmpty ? "" : message + "\n"))
    }

    /// SIGINT: the run finishes its step, saves last.fovea, says how to resume and exits 130;
    /// resumed (with another thread count) it ends with the weights of a run that never stopped.
    @Test func sigintSavesAndResumesExactly() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CommandFixtures.tinyMNIST()
        let common = ["--data", data, "--model", "conv(8,5) relu maxpool(2) flatten dense(10)", "--epochs", "12", "--batch-size", "16"]
        let runDirectory = folder.appendingPathComponent("run")
        let last = runDirectory.appendingPathComponent("last.fovea").path
        let run = try Run(common + ["--run-dir", runDirectory.path, "--save-every", "7", "--threads", "2"], in: folder)
        // Stop once the first checkpoint exists: step 7 of 456.
        run.wait { fileExists(last) }
        run.signal(SIGINT)
        run.process.waitUntilExit()
        let errors = run.errorText
        try #require(run.process.terminationStatus == 130, "exit status \(run.process.terminationStatus); standard error: \(errors)")
        #expect(errors.contains("fovea: SIGINT: stopping after this step to save last.fovea (Ctrl-C again to quit at once without saving)"))
        #expect(errors.contains("; saved \(last)\nfovea: to resume: fovea train --resume \(last)\n"))
        let stopped = try CheckpointReader.read(last)
        #expect(stopped.state.globalStep > 0 && stopped.state.globalStep < 456)

        let resumed = try Run(["--resume", last, "--threads", "1"], in: folder)
        resumed.process.waitUntilExit()
        #expect(resumed.process.terminationStatus == 0, "\(resumed.errorText)")
        let straight = try Run(common + ["--run-dir", folder.appendingPathComponent("straight").path], in: folder)
        straight.process.waitUntilExit()
        let reference = try CheckpointReader.read(folder.appendingPathComponent("straight/last.fovea").path)
        #expect(try CheckpointReader.read(last).weightsSHA256 == reference.weightsSHA256,
                "stopped at step \(stopped.state.globalStep), resumed, and ended with other weights")
    }

    /// SIGTERM stops like SIGINT, with exit status 143.
    /// Under a file-size limit (`ulimit -f`, how some quotas are enforced) the kernel would kill
    /// a writer with SIGXFSZ; fovea ignores it, so the checkpoint write fails with EFBIG, and the
    /// run ends with one line and exit status 1, leaving no torn file.
    @Test func fileSizeLimitIsAnErrorNotASignal() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 16 blocks of 1 KiB: the model's checkpoints (about 70 KB with SGD's velocity) cannot fit.
        process.arguments = ["-c", "ulimit -f 16; exec \"$0\" \"$@\"", try ProcessTests.executable().path, "train",
                             "--data", try CommandFixtures.tinyMNIST(), "--model", CommandFixtures.model, "--epochs", "1",
                             "--run-dir", folder.appendingPathComponent("run").path]
        let stderr = folder.appendingPathComponent("stderr.txt")
        try Data().write(to: stderr)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderr)
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)
        let lines = try String(contentsOf: stderr, encoding: .utf8).split(separator: "\n")
        #expect(lines.last?.contains("epoch-0001.fovea: cannot write: writing ") == true)
        #expect(lines.last?.contains("File too large") == true)
        #expect(lines.last?.hasSuffix("no checkpoint of this run is left to resume from: fix that and start the run again") == true)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("run").path)
        #expect(left.allSatisfy { !$0.hasSuffix(".fovea") && !$0.contains(".tmp-") }, "\(left)")
    }

    /// A spec with an absurd kernel builds its network without allocating anything in
    /// proportion to the kernel's area: `fovea summary` of the model-spec fuzzer's finding of
    /// 1 Dec 2026 (`Fuzz/Corpus/model-spec/huge-depthwise-kernel`, an 8367 × 8367 depthwise
    /// kernel: 70 million taps, whose offsets the direct convolution used to tabulate, 560 MB)
    /// prints its summary under a 400 MB address-space limit, where it used to abort.
    @Test func hugeKernelIsSummarisedWithoutHugeAllocation() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v 400000; exec \"$0\" \"$@\"", try ProcessTests.executable().path, "summary",
                             "--model", "conv(16,3,pad=1) dwconv(08367,pad=08316) "]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(text.contains("dwconv(8367,pad=8316)") && text.contains("[16, 8294, 8294]"), "\(text)")
    }

    @Test func sigtermSavesAndExits143() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let last = folder.appendingPathComponent("last.fovea").path
        let run = try Run(["--data", try CommandFixtures.tinyMNIST(), "--model", "flatten dense(32) relu dense(10)", "--epochs", "1000",
                           "--save-every", "5", "--run-dir", folder.path], in: folder)
        run.wait { fileExists(last) }
        run.signal(SIGTERM)
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 143, "\(run.errorText)")
        #expect(run.errorText.contains("fovea: SIGTERM: stopped in epoch "))
        #expect(try CheckpointReader.read(last).state.epoch < 1000)
    }

    /// A second Ctrl-C while the run finishes its step exits at once (130) and leaves last.fovea
    /// as it was. The model's steps are slow (mnist-cnn, batches of 200), so the second signal
    /// arrives long before the step ends.
    @Test func secondCtrlCExitsAtOnce() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let last = folder.appendingPathComponent("last.fovea").path
        let run = try Run(["--data", try CommandFixtures.tinyMNIST(), "--model", "mnist-cnn", "--epochs", "50", "--batch-size", "200",
                           "--threads", "1", "--run-dir", folder.path], in: folder)
        run.wait { fileExists(last) }
        let before = try Data(contentsOf: URL(fileURLWithPath: last))
        run.signal(SIGINT)
        run.wait { run.errorText.contains("Ctrl-C again") }
        run.signal(SIGINT)
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 130, "\(run.errorText)")
        #expect(!run.errorText.contains("saved"), "\(run.errorText)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: last)) == before)
        #expect(throws: Never.self) { try CheckpointReader.read(last) }
    }

    /// SIGKILL 72 times in the middle of writing last.fovea: each run writes it after every step
    /// (1.6 MB, about 2 ms of write, fsync and rename); the test waits a scattered 5 to 150 ms,
    /// then until the run's temporary file exists (a write is under way), then 0 to 2.5 ms more, and
    /// kills it. After every kill, last.fovea — if one was ever written — loads, evaluates, and is
    /// never older than before the kill. Each run resumes from the file the previous one left.
    @Test func sigkillDuringWritesNeverBreaksTheCheckpoint() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let data = try CommandFixtures.tinyMNIST()
        let test = try MNISTDataset(directory: data).test
        let last = folder.appendingPathComponent("last.fovea").path
        let delays: [UInt32] = [0, 50, 100, 200, 300, 450, 600, 800, 1100, 1500, 2500]  // µs after the write was seen
        var previousStep = -1
        var beforeRename = 0
        for attempt in 0 ..< 72 {
            let arguments = fileExists(last)
                ? ["--resume", last, "--threads", "1"]
                : ["--data", data, "--model", "flatten dense(256) relu dense(10)", "--epochs", "1000", "--batch-size", "16",
                   "--save-every", "1", "--threads", "1", "--run-dir", folder.path]
            let run = try Run(arguments, in: folder)
            let temporary = folder.appendingPathComponent(".last.fovea.tmp-\(run.process.processIdentifier)").path
            usleep(UInt32(5_000 + (attempt * 37 % 30) * 5_000))
            run.wait { fileExists(temporary) }
            try #require(run.process.isRunning, "run \(attempt) ended by itself: \(run.errorText)")
            usleep(delays[attempt * 7 % delays.count])
            run.signal(SIGKILL)
            run.process.waitUntilExit()
            try #require(run.process.terminationReason == .uncaughtSignal, "run \(attempt) ended by itself: \(run.errorText)")
            if fileExists(temporary) { beforeRename += 1 }
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix(".last.fovea.tmp-") }
            #expect(leftovers.count <= 1, "abandoned temporary files are cleared by the next run: \(leftovers)")
            guard fileExists(last) else {
                #expect(previousStep < 0, "last.fovea disappeared after kill \(attempt)")
                continue
            }
            let checkpoint = try CheckpointReader.read(last)
            #expect(checkpoint.state.globalStep >= previousStep, "kill \(attempt): last.fovea went back from step \(previousStep) to \(checkpoint.state.globalStep)")
            previousStep = checkpoint.state.globalStep
            let result = Evaluator(network: checkpoint.network, threads: 1).evaluate(checkpoint.makeModel(), on: test)
            #expect(result.count == 200 && result.loss.isFinite)
        }
        #expect(previousStep > 0, "no checkpoint was ever written")
        print("SIGKILL test: 72 kills during writes, \(beforeRename) of them before the rename (temporary file left); last.fovea reached step \(previousStep)")
    }
}
