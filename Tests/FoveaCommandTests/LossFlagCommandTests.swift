import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea train --loss`: the values, the class count it implies, the refusal of a network whose
/// output does not suit the loss (before anything trains), and a binary run through train,
/// resume, eval and predict.
@Suite struct LossFlagCommandTests {
    /// The tiny MNIST folder relabelled even (0) / odd (1): two classes, real images.
    static func parityFolder() throws -> URL {
        let folder = try CommandFixtures.temporaryDirectory(prefix: "fovea-parity")
        let mnist = try MNISTDataset(directory: try CommandFixtures.tinyMNIST())
        for (set, prefix) in [(mnist.train, "train"), (mnist.test, "t10k")] {
            let pixels = set.withPixels { Array($0) }
            let labels = (0 ..< set.count).map { set.label($0) % 2 }
            try Data(IDXFile.encode(dimensions: [set.count, set.height, set.width], payload: pixels))
                .write(to: folder.appendingPathComponent("\(prefix)-images-idx3-ubyte"))
            try Data(IDXFile.encode(dimensions: [set.count], payload: labels)).write(to: folder.appendingPathComponent("\(prefix)-labels-idx1-ubyte"))
        }
        return folder
    }

    @Test(arguments: [
        (["--loss", "hinge"], "--loss must be one of ce, bce, mse, l1, got 'hinge'"),
        (["--loss", "bce", "--classes", "10"], "--classes 10: --loss bce (binary cross-entropy) works with exactly 2 classes (drop --classes, or pass 2)"),
    ])
    func rejectsBadValues(arguments: [String], message: String) {
        do {
            _ = try TrainCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(TrainCommand.message(for: error) == message)
        }
    }

    /// A network that does not end as the loss needs is refused before training, in one line
    /// that names the flag and what to change; nothing is written to the run folder.
    @Test(arguments: [
        (["--loss", "bce", "--model", "mnist-fast"],
         "fovea: --loss bce: binary cross-entropy needs one output (a logit) per sample, but the network ends in [10] (end it with 'dense(1)')"),
        (["--loss", "mse", "--model", "flatten dense(2)"],
         "fovea: --loss mse: the network must end in the input's shape [1, 28, 28] to rebuild it (--target input), but it ends in [2] (end it in 1 channel of 28×28, e.g. with transposed convolutions or upsampling)"),
        (["--model", "flatten dense(1)", "--classes", "2"],
         "fovea: model spec, column 9, 'dense(1)': the network must end in 2 values (one logit per class), e.g. 'flatten dense(2)', but it ends in [1] (one logit is for binary cross-entropy on two classes: --loss bce)"),
    ])
    func refusesOutputsThatDoNotSuit(arguments: [String], message: String) throws {
        let data = try LossFlagCommandTests.parityFolder()
        let runs = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: runs) }
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) {
            try TrainCommand.parse(["--data", data.path, "--run-dir", runs.path] + arguments).run(console: console, stopCheck: { nil })
        }
        #expect(console.errors == [message])
        #expect(console.output.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { $0.hasSuffix(".fovea") }.isEmpty)
    }

    /// `--loss bce` on two classes: --classes defaults to 2, the run learns, the header names the
    /// loss, the checkpoint keeps it (a contradicting --loss on resume is refused), eval shows a
    /// 2 × 2 confusion matrix and predict two probabilities.
    @Test func binaryRun() throws {
        let data = try LossFlagCommandTests.parityFolder()
        let runs = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: data); try? FileManager.default.removeItem(at: runs) }
        let console = CapturingConsole()
        try TrainCommand.parse(["--data", data.path, "--run-dir", runs.path, "--model", "conv(6,5,stride=2) relu flatten dense(16) relu dense(1)",
                                "--loss", "bce", "--epochs", "3", "--optimizer", "adam", "--lr", "0.003", "--json", "--threads", "2"])
            .run(console: console, stopCheck: { nil })
        let lines = console.output.split(separator: "\n")
        #expect(lines.count == 3)
        let last = try #require(try JSONSerialization.jsonObject(with: Data(lines[2].utf8)) as? [String: Any])
        let accuracy = try #require(last["test_accuracy"] as? Double)
        #expect(accuracy > 0.75, "parity test accuracy \(accuracy)")
        #expect(console.errors.contains { $0.hasPrefix("training: 3 epochs") && $0.contains("loss binary cross-entropy, ") })

        let file = runs.appendingPathComponent("last.fovea").path
        let checkpoint = try CheckpointReader.read(file)
        #expect(checkpoint.network.loss == BinaryCrossEntropy.self && checkpoint.network.classes == 2)
        let resumeConsole = CapturingConsole()
        #expect(throws: ExitCode.failure) {
            try TrainCommand.parse(["--resume", file, "--loss", "ce", "--epochs", "4"]).run(console: resumeConsole, stopCheck: { nil })
        }
        #expect(resumeConsole.errors.first?.hasPrefix("fovea: --loss: ce contradicts \(file), which was trained with bce (drop --loss to resume") == true)

        let eval = CapturingConsole()
        try EvalCommand.parse([file, "--json"]).run(console: eval)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.output.utf8)) as? [String: Any])
        let confusion = try #require(object["confusion"] as? [[Int]])
        #expect(confusion.count == 2 && confusion.allSatisfy { $0.count == 2 } && confusion.joined().reduce(0, +) == 200)
        #expect(abs(Double(confusion[0][0] + confusion[1][1]) / 200 - accuracy) < 1e-12)

        let predict = CapturingConsole()
        try PredictCommand.parse([file, data.appendingPathComponent("t10k-images-idx3-ubyte").path, "--top", "5"]).run(console: predict)
        let predictions = predict.output.split(separator: "\n")
        #expect(predictions.count == 200)
        #expect(predictions.allSatisfy { $0.split(separator: "%").count == 2 })  // two classes, two probabilities
    }
}
