import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// The `fovea` executable stopped by real signals at each phase of a run, each moment made
/// observable rather than guessed: the signal handlers' registration (in `/proc/PID/status`),
/// the progress bar on a pseudo-terminal (the last step of an epoch is done), and a FIFO in
/// place of the temporary file of a checkpoint write (the writer blocks in it). Every wait has
/// a deadline of a minute. The same phases in-process, exactly: `SignalPhaseTests`.
@Suite struct SignalProcessTests {
    /// A `fovea` process with its standard output and standard error collected.
    final class Child: @unchecked Sendable {
        let process = Process()
        private let lock = NSLock()
        private var outputBytes = Data()
        private var errorBytes = Data()

        /// Starts `executable` (fovea, or a shell) with `arguments`; standard output goes to a
        /// pseudo-terminal if `terminal`, so that fovea draws its progress bar.
        init(_ arguments: [String], executable: URL? = nil, terminal: Bool = false) throws {
            process.executableURL = try executable ?? ProcessTests.executable()
            process.arguments = arguments
            let errors = Pipe()
            process.standardError = errors
            var slave: FileHandle?
            if terminal {
                // posix_openpt, unlockpt and ptsname, which Glibc's Swift module does not offer.
                let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
                var unlock: Int32 = 0, number: UInt32 = 0
                guard master >= 0, ioctl(master, 0x4004_5431 /* TIOCSPTLCK */, &unlock) == 0,
                      ioctl(master, 0x8004_5430 /* TIOCGPTN */, &number) == 0 else {
                    throw CocoaError(.featureUnsupported)
                }
                let slaveDescriptor = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY | O_CLOEXEC)
                guard slaveDescriptor >= 0 else { throw CocoaError(.featureUnsupported) }
                slave = FileHandle(fileDescriptor: slaveDescriptor, closeOnDealloc: true)
                process.standardOutput = slave
                collect(from: FileHandle(fileDescriptor: master, closeOnDealloc: true)) { $0.outputBytes.append($1) }
            } else {
                let output = Pipe()
                process.standardOutput = output
                collect(from: output.fileHandleForReading) { $0.outputBytes.append($1) }
            }
            collect(from: errors.fileHandleForReading) { $0.errorBytes.append($1) }
            // A child inherits the signal mask of the thread that spawns it, and the test runner's
            // threads (Dispatch's) block SIGINT and SIGTERM: started from one, `fovea eval` would
            // never see a SIGINT. Spawn with no signal blocked, as a shell does.
            var none = sigset_t(), previous = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, &previous)
            defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
            try process.run()
            // The child has its copy; closing ours lets the reader see the end when it exits.
            try slave?.close()
        }

        /// Reads `handle` on a thread of its own until the end (or, for a terminal, EIO).
        private func collect(from handle: FileHandle, into append: @escaping @Sendable (Child, Data) -> Void) {
            Thread.detachNewThread { [self] in
                var buffer = [UInt8](repeating: 0, count: 65536)
                while true {
                    let n = read(handle.fileDescriptor, &buffer, buffer.count)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { break }
                    let chunk = Data(buffer[0 ..< n])
                    lock.withLock { append(self, chunk) }
                }
                _ = handle
            }
        }

        var output: String { lock.withLock { String(decoding: outputBytes, as: UTF8.self) } }
        var errors: String { lock.withLock { String(decoding: errorBytes, as: UTF8.self) } }
        var pid: Int32 { process.processIdentifier }

        func signal(_ number: Int32) { kill(pid, number) }

        /// Waits (up to a minute) until `condition` holds or the process has ended; returns
        /// whether it holds.
        @discardableResult
        func wait(until condition: () -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while !condition() && process.isRunning && Date() < deadline { usleep(1_000) }
            return condition()
        }

        /// Waits for the end, then (up to a minute) for the output to be read to its end.
        func finish() {
            process.waitUntilExit()
            let deadline = Date().addingTimeInterval(60)
            var last = -1
            while Date() < deadline {
                usleep(20_000)
                let now = lock.withLock { outputBytes.count + errorBytes.count }
                if now == last { break }
                last = now
            }
        }

        /// Whether fovea's handlers for SIGINT and SIGTERM are in place: Dispatch installs a
        /// signal action when it registers `StopSignals`' sources (`SigCgt` in /proc).
        var handlesStopSignals: Bool {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                  let line = status.split(separator: "\n").first(where: { $0.hasPrefix("SigCgt:") }),
                  let mask = UInt64(line.dropFirst("SigCgt:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return false }
            let wanted: UInt64 = (1 << (UInt64(SIGINT) - 1)) | (1 << (UInt64(SIGTERM) - 1))
            return mask & wanted == wanted
        }
    }

    static func name(_ signal: Int32) -> String { signal == SIGINT ? "SIGINT" : "SIGTERM" }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// A signal while the data load (full MNIST, gzip-compressed: the longest phase before the
    /// first step), once the handlers are in place: the notice says the run stops before training
    /// starts (so the signal was handled before it did), nothing is saved — a new run leaves no
    /// run folder, a resumed one leaves its checkpoint as it was — and the exit status is the
    /// signal's.
    @Test(arguments: [(false, Int32(SIGINT), Int32(130)), (true, Int32(SIGTERM), Int32(143))])
    func signalWhileTheDataLoad(resuming: Bool, signal: Int32, status: Int32) throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = folder.appendingPathComponent("run")
        let last = run.appendingPathComponent("last.fovea").path
        var arguments = ["train", "--data", mnistDirectory, "--limit", "64", "--epochs", "1", "--threads", "2", "--run-dir", run.path]
        var before: Data?
        if resuming {
            try TrainCommand.parse(Array(arguments.dropFirst())).run(console: CapturingConsole(), stopCheck: { nil })
            before = try bytes(last)
            arguments = ["train", "--resume", last, "--epochs", "2"]
        }
        let child = try Child(arguments)
        try #require(child.wait { child.handlesStopSignals }, "the handlers were never installed: \(child.errors)")
        child.signal(signal)
        child.finish()
        let name = SignalProcessTests.name(signal)
        #expect(child.process.terminationReason == .exit && child.process.terminationStatus == status, "\(child.errors)")
        #expect(child.errors.contains("fovea: \(name): stopping before training starts (\(signal == SIGINT ? "Ctrl-C" : "signal") again to quit at once)\n"),
                "the signal was handled before training started: \(child.errors)")
        if let before {
            #expect(child.errors.hasSuffix("fovea: \(name): stopped before training resumed; \(last) is unchanged\nfovea: to resume: fovea train --resume \(last)\n"),
                    "\(child.errors)")
            #expect(try bytes(last) == before)
        } else {
            #expect(child.errors.hasSuffix("fovea: \(name): stopped before training started; nothing saved\n"), "\(child.errors)")
            #expect(!FileManager.default.fileExists(atPath: run.path), "the run folder made for the run is removed")
        }
    }

    /// A signal during the evaluation after epoch 1 (its last step done: the progress bar shows
    /// 64/64 on the terminal; then 10,000 test and 10,000 validation images are evaluated): the
    /// run finishes the epoch, writes all its files whole, says it stopped after epoch 1, and
    /// exits 130.
    @Test func signalDuringEvaluation() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let last = folder.appendingPathComponent("last.fovea").path
        let child = try Child(["train", "--data", mnistDirectory, "--limit", "10064", "--validation", "10000", "--batch-size", "32",
                               "--epochs", "2", "--threads", "1", "--run-dir", folder.path], terminal: true)
        try #require(child.wait { child.output.contains("64/64") }, "no progress bar: \(child.output) \(child.errors)")
        child.signal(SIGINT)
        try #require(child.wait { child.errors.contains("Ctrl-C again") }, "\(child.errors)")
        let outputWhenHandled = child.output
        child.finish()
        #expect(child.process.terminationReason == .exit && child.process.terminationStatus == 130, "\(child.errors)")
        #expect(!outputWhenHandled.contains("epoch 1/2 "), "the signal was handled during the evaluation, before the epoch's line")
        #expect(child.errors.hasSuffix("fovea: SIGINT: stopped after epoch 1 of 2; saved \(last)\nfovea: to resume: fovea train --resume \(last)\n"),
                "\(child.errors)")
        #expect(child.output.contains("epoch 1/2 ") && !child.output.contains("epoch 2/2 "))
        let state = try CheckpointReader.read(last).state
        #expect(state.epoch == 1 && state.stepInEpoch == 0)
        #expect(try bytes(last) == bytes(folder.appendingPathComponent("epoch-0001.fovea").path))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".fovea-run") }.sorted()
        #expect(names == ["best.fovea", "epoch-0001.fovea", "last.fovea", "metrics.csv"])
        #expect(try String(contentsOf: folder.appendingPathComponent("metrics.csv"), encoding: .utf8).split(separator: "\n").count == 2)
    }

    /// Two signals while last.fovea is being written: the write's temporary file is a FIFO made
    /// before fovea starts (`.last.fovea.tmp-PID`: the shell's PID is fovea's after `exec`), so
    /// the writer blocks in it mid-write, with 4 KiB of the checkpoint written. The first signal
    /// asks to stop after the step; the second ends the process at once with the signal's exit
    /// status, leaving the previous last.fovea as it was and the temporary file behind; the next
    /// run in the folder removes that file and resumes to the weights of a run never stopped.
    @Test(arguments: [(Int32(SIGINT), Int32(130)), (Int32(SIGTERM), Int32(143))])
    func secondSignalDuringACheckpointWrite(signal: Int32, status: Int32) throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let common = ["--data", try CommandFixtures.tinyMNIST(), "--model", "flatten dense(256) relu dense(10)", "--batch-size", "32", "--threads", "1"]
        let run = folder.appendingPathComponent("run"), straight = folder.appendingPathComponent("straight")
        let last = run.appendingPathComponent("last.fovea").path
        // Epoch 1 of 2, stopped at its end.
        #expect(throws: ExitCode(130)) {
            try TrainCommand.parse(common + ["--epochs", "2", "--run-dir", run.path]).run(console: CapturingConsole(),
                                                                                         stopCheck: CommandFixtures.stop(afterSteps: 19))
        }
        let before = try bytes(last)
        #expect(try CheckpointReader.read(last).state.epoch == 1)

        let script = #"mkfifo "$1/.last.fovea.tmp-$$" && exec "$0" train --resume "$1/last.fovea" --save-every 1"#
        let child = try Child(["-c", script, try ProcessTests.executable().path, run.path], executable: URL(fileURLWithPath: "/bin/sh"))
        let fifo = run.appendingPathComponent(".last.fovea.tmp-\(child.pid)").path
        try #require(child.wait { FileManager.default.fileExists(atPath: fifo) }, "no FIFO: \(child.errors)")
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        try #require(reader >= 0)
        defer { close(reader) }
        _ = fcntl(reader, 1031 /* F_SETPIPE_SZ */, 4096)
        var head = [UInt8](repeating: 0, count: 8)
        try #require(child.wait { read(reader, &head, head.count) > 0 }, "the checkpoint write never started: \(child.errors)")
        // The writer is now blocked in write(2), the pipe full.
        child.signal(signal)
        try #require(child.wait { child.errors.contains("again to quit at once without saving") }, "\(child.errors)")
        try #require(child.process.isRunning, "\(child.errors)")
        child.signal(signal)
        child.finish()
        #expect(child.process.terminationReason == .exit && child.process.terminationStatus == status, "\(child.errors)")
        #expect(!child.errors.contains("saved"), "\(child.errors)")
        #expect(try bytes(last) == before, "last.fovea is the previous whole file")
        #expect(FileManager.default.fileExists(atPath: fifo), "the abandoned temporary file is left")

        let resumed = try Child(["train", "--resume", last])
        resumed.finish()
        #expect(resumed.process.terminationStatus == 0, "\(resumed.errors)")
        #expect(!FileManager.default.fileExists(atPath: fifo), "the next run removed the abandoned temporary file")
        try TrainCommand.parse(common + ["--epochs", "2", "--run-dir", straight.path]).run(console: CapturingConsole(), stopCheck: { nil })
        #expect(try CommandFixtures.weights(last) == CommandFixtures.weights(straight.appendingPathComponent("last.fovea").path))
    }

    /// `fovea eval` only reads (and writes its pictures atomically), so it keeps the signals'
    /// default action: SIGINT ends it at once, by the signal (a shell reports 130).
    @Test func evalEndsBySignal() throws {
        let folder = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // mnist-cnn: evaluating 10,000 images takes seconds, the signal comes long before.
        try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--model", "mnist-cnn", "--limit", "32", "--epochs", "1",
                                "--run-dir", folder.path]).run(console: CapturingConsole(), stopCheck: { nil })
        let executable = try ProcessTests.executable().resolvingSymlinksInPath().path
        let child = try Child(["eval", folder.appendingPathComponent("last.fovea").path, "--data", mnistDirectory])
        try #require(child.wait { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child.pid)/exe")) == executable },
                     "\(child.errors)")
        child.signal(SIGINT)
        child.finish()
        #expect(child.process.terminationReason == .uncaughtSignal && child.process.terminationStatus == SIGINT,
                "\(child.process.terminationReason) \(child.process.terminationStatus): \(child.errors)")
    }
}
