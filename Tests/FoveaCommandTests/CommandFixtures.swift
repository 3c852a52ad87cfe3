import Foundation
import Fovea
import FoveaCommands
import ArgumentParser
import Testing

/// Small data folders and run folders for command tests.
enum CommandFixtures {
    /// A folder with the first 600 training and 200 test samples of the repository's MNIST, as
    /// raw IDX files: quick to load, real digits. Made once, in the temporary directory, and
    /// shared by every test run (it is made in a folder of its own and renamed into place).
    static func tinyMNIST() throws -> String {
        try tinyMNISTFolder.get()
    }

    private static let tinyMNISTFolder = Result { () throws -> String in
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-tests-tiny-mnist-v1")
        let names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
        if names.allSatisfy({ FileManager.default.fileExists(atPath: target.appendingPathComponent($0).path) }) { return target.path }
        let mnist = try MNISTDataset(directory: mnistDirectory)
        let folder = try temporaryDirectory(prefix: "fovea-tests-tiny-mnist-making")
        for (set, count, prefix) in [(mnist.train, 600, "train"), (mnist.test, 200, "t10k")] {
            let sampleSize = set.height * set.width
            let pixels = set.withPixels { Array($0.prefix(count * sampleSize)) }
            let labels = Array(set.labels[set.indices].prefix(count))
            try Data(IDXFile.encode(dimensions: [count, set.height, set.width], payload: pixels)).write(to: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
            try Data(IDXFile.encode(dimensions: [count], payload: labels)).write(to: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
        }
        if rename(folder.path, target.path) != 0 {
            // Another test process made it first.
            try? FileManager.default.removeItem(at: folder)
        }
        return target.path
    }

    /// A fresh empty folder under the temporary directory.
    /// Expects `Command.parse(arguments)` to refuse the arguments with `message` (the one line
    /// argument-parser prints, `validate()`'s included).
    static func expectRefusal<Command: ParsableCommand>(_ command: Command.Type, _ arguments: [String], _ message: String,
                                                        sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try command.parse(arguments)
            Issue.record("\(arguments) was accepted", sourceLocation: sourceLocation)
        } catch {
            #expect(command.message(for: error) == message, sourceLocation: sourceLocation)
        }
    }

    static func temporaryDirectory(prefix: String = "fovea-run") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A small convolutional model with dropout, so that every piece of training state matters.
    static let model = "conv(6,5,stride=2) relu dropout(0.25) flatten dense(10)"

    /// The optimizer flags of the fixture's runs: SGD with Nesterov momentum, and Adam and AdamW
    /// with a rate that suits them (a later `--lr` overrides the fixture's 0.05).
    static let optimizers: [[String]] = [
        ["--nesterov"],
        ["--optimizer", "adam", "--lr", "0.004", "--beta2", "0.99"],
        ["--optimizer", "adamw", "--lr", "0.004"],
    ]

    /// `fovea train` on the tiny set with `optimizer`'s flags and `arguments` appended; returns
    /// what it printed.
    @discardableResult
    static func train(_ arguments: [String], optimizer: [String] = optimizers[0], stopCheck: (() -> StopReason?)? = nil) throws -> CapturingConsole {
        let command = try TrainCommand.parse(["--data", try tinyMNIST(), "--model", model, "--batch-size", "32", "--lr", "0.05",
                                              "--weight-decay", "0.0005", "--warmup", "0", "--seed", "5"] + optimizer + arguments)
        let console = CapturingConsole()
        try command.run(console: console, stopCheck: stopCheck ?? { nil })
        return console
    }

    /// `fovea train --resume FILE` with `arguments` appended (no other flag needed).
    @discardableResult
    static func resume(_ file: String, _ arguments: [String] = [], stopCheck: (() -> StopReason?)? = nil) throws -> CapturingConsole {
        let console = CapturingConsole()
        try TrainCommand.parse(["--resume", file] + arguments).run(console: console, stopCheck: stopCheck ?? { nil })
        return console
    }

    /// The `weights_sha256` of a checkpoint file.
    static func weights(_ file: String) throws -> String {
        SHA256Digest.hex(try CheckpointReader.read(file).weightsSHA256)
    }

    /// A stop check that asks to stop before step `steps + 1` (it is polled before every step).
    static func stop(afterSteps steps: Int, _ reason: StopReason = .interrupt) -> () -> StopReason? {
        var polls = 0
        return {
            polls += 1
            return polls > steps ? reason : nil
        }
    }
}
