import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// A console that records what a command writes.
final class CapturingConsole: Console {
    var output = ""
    var errors: [String] = []
    func write(_ text: String) { output += text }
    func diagnose(_ line: String) { errors.append(line) }
    var isTerminal: Bool { false }
}

/// The repository's data/mnist folder.
let mnistDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("data/mnist").path

@Suite struct TrainCommandTests {
    /// Bad flags are refused before anything runs, with a sentence naming the flag.
    @Test(arguments: [
        (["--batch-size", "0"], "--batch-size must be at least 1, got 0"),
        (["--epochs", "0"], "--epochs must be at least 1, got 0"),
        (["--lr=-1"], "--lr: must be a finite number > 0, got -1.0"),
        (["--momentum", "1"], "--momentum: must be in [0, 1), got 1.0"),
        (["--optimizer", "adam", "--beta2", "1"], "--beta2: must be in [0, 1), got 1.0"),
        (["--optimizer", "adam", "--momentum", "0.5"], "--momentum: does not apply to adam (it takes --lr, --beta1, --beta2, --eps, --weight-decay)"),
        (["--optimizer", "rmsprop"], "--optimizer: unknown optimizer 'rmsprop' (expected one of sgd, adam, adamw)"),
        (["--threads", "0"], "--threads must be at least 1, got 0"),
        (["--validation=-5"], "--validation must be 0 or more, got -5"),
        (["--save-every=-1"], "--save-every must be 0 or more steps, got -1"),
        (["--keep=-2"], "--keep must be 0 or more epochs, got -2"),
        (["--model", "conv(8,3) foo"], "--model: model spec, column 11, 'foo': unknown layer 'foo' (expected one of \(LayerRegistry.tokenList), or a preset: mnist-cnn, lenet-small, mlp, mnist-fast, vgg-bn, zoo, gausnet, autoencoder, denoiser)"),
    ])
    func rejectsBadFlags(arguments: [String], message: String) {
        do {
            _ = try TrainCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(TrainCommand.message(for: error) == message)
        }
    }

    @Test func rejectsUnknownSchedule() {
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--schedule", "linear"]) }
    }

    /// A missing data folder is one line naming the folder and the files expected; exit 1.
    @Test func missingData() throws {
        let command = try TrainCommand.parse(["--data", "/nonexistent/folder"])
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try command.run(console: console) }
        #expect(console.errors == ["fovea: /nonexistent/folder: no file train-images-idx3-ubyte or train-images-idx3-ubyte.gz (an MNIST-style folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each raw or .gz)"])
    }

    /// `--json` prints exactly one JSON object per epoch on standard output, with the documented
    /// keys; a validation set adds its two keys.
    @Test func jsonLines() throws {
        let runDirectory = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let command = try TrainCommand.parse(["--data", mnistDirectory, "--model", "lenet-small", "--limit", "600", "--validation", "100",
                                              "--epochs", "2", "--lr", "0.01", "--json", "--threads", "2", "--run-dir", runDirectory.path])
        let console = CapturingConsole()
        try command.run(console: console)
        let lines = console.output.split(separator: "\n")
        #expect(lines.count == 2)
        for (i, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "validation_loss",
                                         "validation_accuracy", "samples_per_second", "seconds", "learning_rate"])
            #expect(object["epoch"] as? Int == i + 1)
            let accuracy = try #require(object["test_accuracy"] as? Double)
            #expect(accuracy > 0.3 && accuracy <= 1)
        }
        #expect(console.errors.count == 4)  // the header went to standard error
    }

    /// An absurd --threads is lowered to four per core (at least 8) with a note, and the run
    /// trains (before, thousands of workspaces made it crawl).
    @Test func absurdThreadCountIsClamped() throws {
        let runDirectory = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let console = try CommandFixtures.train(["--threads", "100000", "--epochs", "1", "--limit", "64", "--run-dir", runDirectory.path])
        let limit = max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)
        #expect(console.errors.contains("fovea: note: --threads 100000 is more than \(limit) (four per core on this machine); using \(limit) (results do not depend on it)"))
        #expect(console.output.contains("epoch 1/1"))
    }

    /// A batch larger than the training set is lowered to the set's size with a note: one step
    /// per epoch.
    @Test func batchLargerThanTheSetIsClamped() throws {
        let runDirectory = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: runDirectory) }
        let console = try CommandFixtures.train(["--batch-size", "1000000", "--epochs", "1", "--limit", "100", "--run-dir", runDirectory.path])
        #expect(console.errors.contains("fovea: note: --batch-size 1000000 is larger than the 100 training samples; using 100"))
        let checkpoint = try CheckpointReader.read(runDirectory.appendingPathComponent("last.fovea").path)
        #expect(checkpoint.options.batchSize == 100 && checkpoint.stepsPerEpoch == 1)
    }

    @Test func validationMustLeaveTrainingData() throws {
        let command = try TrainCommand.parse(["--data", mnistDirectory, "--limit", "50", "--validation", "50"])
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try command.run(console: console) }
        #expect(console.errors == ["fovea: --validation: 50 held-out samples leave none of the 50 training samples to train on (use fewer)"])
    }
}
