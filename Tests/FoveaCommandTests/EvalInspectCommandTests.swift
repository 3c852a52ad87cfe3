import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea eval` and `fovea inspect`.
@Suite struct EvalInspectCommandTests {
    /// The value of `key` in a one-line JSON object, as its text.
    func jsonValue(_ key: String, in line: Substring) -> Substring? {
        guard let start = line.range(of: "\"\(key)\":") else { return nil }
        return line[start.upperBound...].prefix { $0 != "," && $0 != "}" }
    }

    /// `fovea eval best.fovea` gives exactly the test loss and accuracy training reported for that
    /// epoch, and so does `fovea eval last.fovea` for the last epoch.
    @Test func evalReproducesTheFiguresOfTraining() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let training = try CommandFixtures.train(["--epochs", "3", "--threads", "2", "--run-dir", root.path, "--json"])
        let epochs = training.output.split(separator: "\n")
        let best = try CheckpointReader.read(root.appendingPathComponent("best.fovea").path)
        for (file, epoch) in [("best.fovea", best.state.epoch), ("last.fovea", 3)] {
            let eval = CapturingConsole()
            try EvalCommand.parse([root.appendingPathComponent(file).path, "--json", "--threads", "1"]).run(console: eval)
            let line = try #require(eval.output.split(separator: "\n").first)
            #expect(jsonValue("accuracy", in: line) == jsonValue("test_accuracy", in: epochs[epoch - 1]), "\(file)")
            #expect(jsonValue("loss", in: line) == jsonValue("test_loss", in: epochs[epoch - 1]), "\(file)")
            #expect(eval.errors.isEmpty)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["loss", "accuracy", "per_class_accuracy", "confusion"])
            let confusion = try #require(object["confusion"] as? [[Int]])
            #expect(confusion.count == 10 && confusion.allSatisfy { $0.count == 10 } && confusion.joined().reduce(0, +) == 200)
            #expect((object["per_class_accuracy"] as? [Any])?.count == 10)
        }
    }

    @Test func evalPrintsReadableTables() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try CommandFixtures.train(["--epochs", "1", "--run-dir", root.path])
        let file = root.appendingPathComponent("last.fovea").path
        let console = CapturingConsole()
        try EvalCommand.parse([file]).run(console: console)
        let lines = console.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "checkpoint: \(file) (\(CommandFixtures.model), saved after epoch 1)")
        #expect(lines[1] == "data: \(try CommandFixtures.tinyMNIST()): 200 test images")
        #expect(lines[2].hasPrefix("loss ") && lines[2].hasSuffix("/200)"))
        #expect(lines[4] == "class  accuracy  correct  samples")
        let matrix = try #require(lines.firstIndex(of: "confusion matrix (rows: true class, columns: predicted class)"))
        let table = Array(lines[(matrix + 1) ... (matrix + 11)])
        #expect(table[0].hasPrefix("true \\ predicted"))
        // Every row of the matrix has the same width, and 11 columns.
        #expect(Set(table.map(\.count)).count == 1 && table.allSatisfy { $0.split(separator: " ").count >= 11 })
    }

    /// Evaluating on another test set warns, naming both fingerprints.
    @Test func evalWarnsAboutOtherData() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try CommandFixtures.train(["--epochs", "1", "--run-dir", root.path])
        let console = CapturingConsole()
        try EvalCommand.parse([root.appendingPathComponent("last.fovea").path, "--data", mnistDirectory, "--json"]).run(console: console)
        #expect(console.errors.count == 1)
        #expect(console.errors.first?.hasPrefix("fovea: warning: \(mnistDirectory): the test set differs from the one \(root.path)/last.fovea recorded (200 images, sha256 ") == true)
        #expect(console.errors.first?.hasSuffix("; the figures will differ from those at save time") == true)
    }

    @Test func inspectShowsWhatTheFileHolds() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(["--epochs", "2", "--run-dir", root.path], stopCheck: CommandFixtures.stop(afterSteps: 25))
        }
        let file = root.appendingPathComponent("last.fovea").path
        let checkpoint = try CheckpointReader.read(file)
        let sha = SHA256Digest.hex(checkpoint.weightsSHA256)
        let text = CapturingConsole()
        try InspectCommand.parse([file]).run(console: text)
        let lines = text.output.split(separator: "\n").map(String.init)
        #expect(lines[0] == "file: \(file)")
        #expect(lines[1] == "format: version 1, written by Fovea \(FoveaVersion.current)")
        #expect(lines[2] == "model: \(CommandFixtures.model)")
        #expect(lines[3] == "input: [1, 28, 28], 10 classes; 8,806 parameters")
        #expect(lines.contains("position: epoch 2 of 2, step 6 of 19 (global step 25, 19 steps per epoch)"))
        #expect(lines.contains("hyper-parameters: batch 32, SGD (lr 0.05, momentum 0.9, nesterov, weight decay 0.0005), schedule cosine, seed 5, 2 epochs planned"))
        #expect(lines.contains("loss: softmax cross-entropy"))
        #expect(lines.contains("optimizer state: 25 updates applied; velocity [8,806]"))
        #expect(lines.contains { $0.hasPrefix("at save time: test accuracy ") && $0.hasSuffix(" after epoch 1; the weights have trained 6 steps since") })
        #expect(lines.last == "weights_sha256: \(sha)")

        let json = CapturingConsole()
        try InspectCommand.parse([file, "--json"]).run(console: json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["format_version"] as? Int == 1 && object["model"] as? String == CommandFixtures.model)
        #expect(object["parameters"] as? Int == 8806 && object["epoch"] as? Int == 1 && object["step_in_epoch"] as? Int == 6)
        #expect(object["global_step"] as? Int == 25 && object["weights_sha256"] as? String == sha)
        let hyper = try #require(object["hyper_parameters"] as? [String: Any])
        #expect(hyper["batch_size"] as? Int == 32 && hyper["nesterov"] as? Bool == true && hyper["schedule"] as? String == "cosine")
        #expect(hyper["optimizer"] as? String == "sgd" && hyper["learning_rate"] as? Double == 0.05 && hyper["momentum"] as? Double == 0.9)
        let optimizer = try #require(object["optimizer"] as? [String: Any])
        #expect(optimizer["name"] as? String == "sgd" && optimizer["step"] as? Int == 25)
        #expect((optimizer["state"] as? [[String: Any]])?.map { $0["name"] as? String } == ["velocity"])
        #expect(object["test_accuracy"] as? Double == checkpoint.history.last?.testAccuracy)
    }

    /// weights_sha256 is the SHA-256 of the f32 little-endian tensor bytes in file order: the
    /// tensors' values, as they sit in the file, hashed by an independent tool.
    @Test func weightsSHA256IsTheDigestOfTheTensorBytes() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try CommandFixtures.train(["--epochs", "1", "--run-dir", root.path])
        let file = root.appendingPathComponent("last.fovea").path
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let params = try #require(try CheckpointContainer(parsing: bytes, file: file).sections.first { $0.tag == "PARM" })
        // Walk the section: tensor_count, then name, rank, dims and values per tensor.
        func u32(_ at: Int) -> Int { (0 ..< 4).reduce(0) { $0 | Int(params.payload[at + $1]) << (8 * $1) } }
        var position = 4
        var tensorBytes: [UInt8] = []
        for _ in 0 ..< u32(0) {
            position += 4 + u32(position)
            let rank = u32(position)
            let count = (0 ..< rank).reduce(1) { $0 * u32(position + 4 + 4 * $1) }
            position += 4 + 4 * rank
            tensorBytes += params.payload[position ..< position + 4 * count]
            position += 4 * count
        }
        let digestFile = root.appendingPathComponent("tensors.bin")
        try Data(tensorBytes).write(to: digestFile)
        let sha256sum = Process()
        sha256sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sha256sum.arguments = [digestFile.path]
        let pipe = Pipe()
        sha256sum.standardOutput = pipe
        try sha256sum.run()
        sha256sum.waitUntilExit()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(output.prefix(64) == SHA256Digest.hex(try CheckpointReader.read(file).weightsSHA256))
    }
}
