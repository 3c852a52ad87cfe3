import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea train --loss mse --input-noise σ --occlude P` and `--resume`: the checkpoint keeps the
/// target and the corruption (format version 6), a resumed run continues with them (no flag
/// needed) and ends with the weights of one that never stopped; a contradicting flag is refused;
/// `inspect` shows them. (The tiny set has 600 training samples: 19 steps of 32 per epoch.)
@Suite struct DenoisingResumeCommandTests {
    func path(_ folder: URL, _ name: String) -> String { folder.appendingPathComponent(name).path }

    static let flags = ["--loss", "mse", "--model", "conv(4,3,pad=1) relu conv(1,3,pad=1)", "--input-noise", "0.2", "--occlude", "3",
                        "--epochs", "2", "--threads", "2"]

    @Test func resumeKeepsTheCorruption() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let straight = root.appendingPathComponent("straight")
        let header = try CommandFixtures.train(DenoisingResumeCommandTests.flags + ["--run-dir", straight.path])
        let corruptionLine = "input corruption: Gaussian noise σ 0.2 of full scale and a 3×3 patch set to background (the target stays clean)"
        #expect(header.output.contains("\n\(corruptionLine)\n"))
        let reference = try CommandFixtures.weights(path(straight, "last.fovea"))
        let saved = try CheckpointReader.read(path(straight, "last.fovea"))
        #expect(saved.formatVersion == 6 && saved.network.target == .input && saved.network.loss == MeanSquaredError.self)
        #expect(saved.options.corruption == (try InputCorruption(noise: 0.2, occlusion: 3)))

        // Stopped mid-epoch (step 27 = epoch 2, step 8), resumed with no flag and another thread
        // count: the same corruption, the same weights.
        let midEpoch = root.appendingPathComponent("mid-epoch")
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(DenoisingResumeCommandTests.flags + ["--save-every", "5", "--run-dir", midEpoch.path],
                                      stopCheck: CommandFixtures.stop(afterSteps: 27))
        }
        let last = path(midEpoch, "last.fovea")
        let stopped = try CheckpointReader.read(last)
        #expect(stopped.state.epoch == 1 && stopped.state.stepInEpoch > 0 && stopped.options.corruption == saved.options.corruption)

        // A flag that contradicts the file is refused in one line, naming the flag, the file and
        // the value it holds; nothing is written.
        let before = try Data(contentsOf: URL(fileURLWithPath: last))
        for (flag, value, savedValue) in [("--input-noise", "0.3", "0.2"), ("--occlude", "4", "3"), ("--target", "labels", "input")] {
            let console = CapturingConsole()
            #expect(throws: ExitCode.failure) {
                try TrainCommand.parse(["--resume", last, flag, value]).run(console: console, stopCheck: { nil })
            }
            #expect(console.errors.count == 1)
            #expect(console.errors.first?.hasPrefix("fovea: \(flag): \(value) contradicts \(last), which was trained with \(savedValue) (drop \(flag) to resume; only --epochs, ") == true,
                    "\(console.errors)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: last)) == before)

        // The same values again are fine.
        let resumed = try CommandFixtures.resume(last, ["--threads", "1", "--input-noise", "0.2", "--occlude", "3", "--target", "input"])
        #expect(resumed.output.contains("\n\(corruptionLine)\n"))
        #expect(try CommandFixtures.weights(last) == reference)
        let finished = try CheckpointReader.read(last)
        #expect(finished.state.epoch == 2 && finished.options.corruption == saved.options.corruption)
        #expect(finished.history.last?.testLoss == saved.history.last?.testLoss && finished.history.last?.testLoss != nil)

        // inspect names the target and the corruption.
        let text = CapturingConsole()
        try InspectCommand.parse([last]).run(console: text)
        #expect(text.output.contains("\nformat: version 6, written by Fovea \(FoveaVersion.current)\n"))
        #expect(text.output.contains("\nloss: mean squared error against the clean input image, normalised as the network sees it\n"))
        #expect(text.output.contains(", 2 epochs planned, input corruption Gaussian noise σ 0.2 of full scale and a 3×3 patch set to background (the target stays clean)\n"))
        let json = CapturingConsole()
        try InspectCommand.parse([last, "--json"]).run(console: json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["format_version"] as? Int == 6 && object["loss"] as? String == "mse" && object["target"] as? String == "input")
        let hyper = try #require(object["hyper_parameters"] as? [String: Any])
        #expect(hyper["input_noise"] as? Double == 0.2 && hyper["occlusion"] as? Int == 3)
    }

    /// A run without a task keeps the version it always had, and inspect shows the defaults: the
    /// labels (not named for a classifier), no corruption.
    @Test func classifierHasNoTask() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try CommandFixtures.train(["--epochs", "1", "--run-dir", root.path])
        let file = path(root, "last.fovea")
        #expect(try CheckpointReader.read(file).formatVersion == 1)
        let text = CapturingConsole()
        try InspectCommand.parse([file]).run(console: text)
        #expect(text.output.contains("\nloss: softmax cross-entropy\n") && !text.output.contains("input corruption"))
        let json = CapturingConsole()
        try InspectCommand.parse([file, "--json"]).run(console: json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["target"] as? String == "labels")
        let hyper = try #require(object["hyper_parameters"] as? [String: Any])
        #expect(hyper["input_noise"] as? Double == 0 && hyper["occlusion"] as? Int == 0)
    }
}
