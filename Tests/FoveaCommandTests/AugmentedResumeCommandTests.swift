import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea train --augment … --resume`: the checkpoint keeps the augmentation, a stopped run
/// resumes to the same weights, and augmentation flags that contradict the file are refused.
@Suite struct AugmentedResumeCommandTests {
    @Test func stoppedAugmentedRunResumesExactly() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let flags = ["--epochs", "2", "--augment", "strong", "--noise", "0.05", "--schedule", "onecycle"]
        let straight = root.appendingPathComponent("straight")
        try CommandFixtures.train(flags + ["--threads", "2", "--run-dir", straight.path])
        let reference = try CommandFixtures.weights(straight.appendingPathComponent("last.fovea").path)

        let stopped = root.appendingPathComponent("stopped")
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(flags + ["--threads", "2", "--save-every", "5", "--run-dir", stopped.path],
                                      stopCheck: CommandFixtures.stop(afterSteps: 27))
        }
        let last = stopped.appendingPathComponent("last.fovea").path
        let saved = try CheckpointReader.read(last)
        #expect(saved.formatVersion == 2 && saved.options.schedule.kind == .onecycle)
        #expect(saved.options.augmentation == (try AugmentationConfiguration(translation: 2.5, rotation: 10, scale: 0.1, shear: 5,
                                                                             elasticAlpha: 34, elasticSigma: 4, noise: 0.05)))

        // Flags that contradict the file are refused; flags that agree with it are accepted.
        let rest = "(drop them to resume; only --epochs, --early-stop, --data, --threads, --run-dir, --save-every, --keep and --json can change)"
        let refused = CapturingConsole()
        #expect(throws: ExitCode.failure) { try TrainCommand.parse(["--resume", last, "--augment", "standard", "--noise", "0.05"]).run(console: refused) }
        #expect(refused.errors == ["fovea: --augment, --noise: augmentation translate ±2.5 px, rotate ±10°, scale ±10%, shear ±5°, noise σ 0.05 contradicts \(last), which was trained with augmentation translate ±2.5 px, rotate ±10°, scale ±10%, shear ±5°, elastic α 34 σ 4 px, noise σ 0.05 \(rest)"])
        try CommandFixtures.resume(last, ["--threads", "1", "--rotate", "10"])
        #expect(try CommandFixtures.weights(last) == reference)
    }

    /// inspect shows the augmentation of a checkpoint.
    @Test func inspectShowsAugmentation() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try CommandFixtures.train(["--epochs", "1", "--augment", "standard", "--run-dir", root.path])
        let file = root.appendingPathComponent("last.fovea").path
        let text = CapturingConsole()
        try InspectCommand.parse([file]).run(console: text)
        #expect(text.output.contains(", augmentation standard: translate ±2.5 px, rotate ±10°, scale ±10%, shear ±5°\n"))
        let json = CapturingConsole()
        try InspectCommand.parse([file, "--json"]).run(console: json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let augmentation = try #require((object["hyper_parameters"] as? [String: Any])?["augmentation"] as? [String: Double])
        #expect(augmentation == ["translation": 2.5, "rotation": 10, "scale": 0.1, "shear": 5, "elastic_alpha": 0, "elastic_sigma": 4, "noise": 0])
        #expect(object["format_version"] as? Int == 2)
    }
}
