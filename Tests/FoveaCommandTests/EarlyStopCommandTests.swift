import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea train --early-stop N`: the flag's checks, where a run stops, what it prints and keeps,
/// and resuming. The runs plateau by construction: a step schedule multiplies the learning rate
/// by 1e-300 after epoch 2, so from epoch 3 on no weight changes (the update rounds to nothing)
/// and every evaluation repeats epoch 2's exactly: ties, which are no improvement. (The tiny set:
/// 600 training samples, 19 steps of 32 per epoch; 200 test images.)
@Suite struct EarlyStopCommandTests {
    /// The flags of a run whose metric stalls after epoch 2.
    static let plateau = ["--schedule", "step", "--lr-step", "2", "--lr-gamma", "1e-300"]

    func path(_ folder: URL, _ name: String) -> String { folder.appendingPathComponent(name).path }

    /// The run folder's files, without the hidden lock file.
    func listing(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func bytes(_ file: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: file)) }

    /// metrics.csv's rows as `column: value` dictionaries.
    func rows(_ folder: URL) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path(folder, "metrics.csv"), encoding: .utf8).split(separator: "\n")
        let keys = lines.first.map { $0.split(separator: ",").map(String.init) } ?? []
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(keys, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }

    /// metrics.csv without the timing columns.
    func figures(_ folder: URL) throws -> [String] {
        try rows(folder).map { row in
            row.filter { !["samples_per_second", "seconds"].contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ",")
        }
    }

    /// Where a run with `patience` stops, worked out from its figures alone, as best.fovea is
    /// chosen: the best epoch is the first with the highest value so far (ties keep the earlier),
    /// and the run stops after the first epoch `e < epochs` that is `patience` epochs past it.
    func expectedStop(_ values: [Double], patience: Int, epochs: Int) -> (stop: Int, best: Int)? {
        var best = 0
        for (index, value) in values.enumerated() {
            let epoch = index + 1
            if best == 0 || value > values[best - 1] { best = epoch }
            if epoch < epochs && epoch - best >= patience { return (epoch, best) }
        }
        return nil
    }

    /// A value that is not a whole number of epochs from 1 to 10000 is refused before anything
    /// runs, naming the flag, the value and what is allowed.
    @Test(arguments: [
        (["--early-stop", "0"], "--early-stop: must be a whole number of epochs from 1 to 10000 without improvement, got 0"),
        (["--early-stop=-3"], "--early-stop: must be a whole number of epochs from 1 to 10000 without improvement, got -3"),
        (["--early-stop", "10001"], "--early-stop: must be a whole number of epochs from 1 to 10000 without improvement, got 10001"),
        (["--resume", "x.fovea", "--early-stop", "0"], "--early-stop: must be a whole number of epochs from 1 to 10000 without improvement, got 0"),
    ])
    func rejectsBadValues(arguments: [String], message: String) {
        do {
            _ = try TrainCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(TrainCommand.message(for: error) == message)
        }
    }

    @Test func rejectsWhatIsNotAWholeNumber() {
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--early-stop", "three"]) }
        #expect(throws: (any Error).self) { try TrainCommand.parse(["--early-stop", "2.5"]) }
    }

    /// On a plateau the run stops after the epoch its figures say (test accuracy, or validation
    /// accuracy with a validation set), exits normally, prints why, keeps it in last.fovea and the
    /// epoch file, and best.fovea is the best epoch's checkpoint, byte for byte.
    @Test(arguments: [([String](), "test"), (["--validation", "100", "--limit", "500"], "validation")])
    func stopsOnAPlateau(data: [String], set: String) throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let console = try CommandFixtures.train(EarlyStopCommandTests.plateau + data
            + ["--epochs", "10", "--early-stop", "2", "--keep", "10", "--run-dir", root.path])
        #expect(console.output.contains(", early stop after 2 epochs without a better \(set) accuracy, seed 5, "))
        let rows = try rows(root)
        let accuracies = rows.compactMap { $0["\(set)_accuracy"].flatMap(Double.init) }
        let expected = try #require(expectedStop(accuracies, patience: 2, epochs: 10), "no stop in \(accuracies)")
        // The plateau: epochs 3 and on repeat epoch 2's figures, so the run stops after epoch 3 or 4.
        #expect(rows.count == expected.stop && expected.stop <= 4 && accuracies.dropFirst(2).allSatisfy { $0 == accuracies[1] })
        let figure = String(format: "%.2f%%", accuracies[expected.best - 1] * 100)
        let best = path(root, "best.fovea")
        let line = "early stop after epoch \(expected.stop): \(set) accuracy has not improved for 2 epochs since epoch \(expected.best) (\(figure)); best.fovea holds epoch \(expected.best)"
        #expect(console.output.hasSuffix("\n" + line + "\n"), "\(console.output)")
        #expect(console.errors.isEmpty)
        #expect(listing(root) == ["best.fovea"] + (1 ... expected.stop).map { String(format: "epoch-%04d.fovea", $0) } + ["last.fovea", "metrics.csv"])

        let last = try CheckpointReader.read(path(root, "last.fovea"))
        #expect(last.formatVersion == 5 && last.earlyStopping == EarlyStopping(patience: 2) && last.history.stoppedEarly)
        #expect(last.state.epoch == expected.stop && last.history.best?.epoch == expected.best && last.epochsWithoutImprovement == 2)
        #expect(last.selectionMetric == (set == "test" ? .testAccuracy : .validationAccuracy))
        #expect(try bytes(path(root, String(format: "epoch-%04d.fovea", expected.stop))) == bytes(path(root, "last.fovea")))
        #expect(try bytes(best) == bytes(path(root, String(format: "epoch-%04d.fovea", expected.best))))
        let bestCheckpoint = try CheckpointReader.read(best)
        #expect(bestCheckpoint.state.epoch == expected.best && !bestCheckpoint.history.stoppedEarly)

        // fovea inspect shows the stop; an earlier epoch's file shows the count as it stood.
        let text = CapturingConsole()
        try InspectCommand.parse([path(root, "last.fovea")]).run(console: text)
        #expect(text.output.contains("\nearly stop: patience 2 epochs on \(set) accuracy; stopped after epoch \(expected.stop), 2 epochs without improvement since epoch \(expected.best) (\(figure))\n"),
                "\(text.output)")
        let before = CapturingConsole()
        try InspectCommand.parse([path(root, String(format: "epoch-%04d.fovea", expected.stop - 1))]).run(console: before)
        #expect(before.output.contains("\nearly stop: patience 2 epochs on \(set) accuracy; 1 epoch without improvement since epoch \(expected.best) (\(figure))\n"),
                "\(before.output)")
        let json = CapturingConsole()
        try InspectCommand.parse([path(root, "last.fovea"), "--json"]).run(console: json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let earlyStop = try #require(object["early_stop"] as? [String: Any])
        #expect(earlyStop["patience"] as? Int == 2 && earlyStop["metric"] as? String == "\(set)_accuracy")
        #expect(earlyStop["epochs_without_improvement"] as? Int == 2 && earlyStop["best_epoch"] as? Int == expected.best)
        #expect(earlyStop["stopped"] as? Bool == true && object["format_version"] as? Int == 5)
    }

    /// With --json, standard output holds the epochs' objects and then one `early_stop` object;
    /// the sentence goes to standard error. A run without --early-stop has `"early_stop": null`
    /// in fovea inspect --json and writes the format it always did.
    @Test func jsonReport() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let console = try CommandFixtures.train(EarlyStopCommandTests.plateau + ["--epochs", "10", "--early-stop", "1", "--json", "--run-dir", root.path])
        let lines = console.output.split(separator: "\n").map(String.init)
        let objects = try lines.map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        let stop = try #require(objects.last?["early_stop"] as? [String: Any])
        #expect(objects.dropLast().allSatisfy { $0["epoch"] != nil } && objects.last?.count == 1)
        let stopEpoch = objects.count - 1
        let bestEpoch = try #require(stop["best_epoch"] as? Int)
        #expect(stop["epoch"] as? Int == stopEpoch && bestEpoch == stopEpoch - 1)
        #expect(stop["metric"] as? String == "test_accuracy" && stop["patience"] as? Int == 1 && stop["epochs_without_improvement"] as? Int == 1)
        #expect(stop["best_value"] as? Double == objects[bestEpoch - 1]["test_accuracy"] as? Double)
        #expect(stop["best_file"] as? String == path(root, "best.fovea"))
        #expect(console.errors.last?.hasPrefix("early stop after epoch \(stopEpoch): test accuracy has not improved for 1 epoch since epoch \(bestEpoch) (") == true,
                "\(console.errors)")

        let plain = root.appendingPathComponent("plain")
        try CommandFixtures.train(["--epochs", "1", "--run-dir", plain.path])
        let inspect = CapturingConsole()
        try InspectCommand.parse([path(plain, "last.fovea"), "--json"]).run(console: inspect)
        #expect(inspect.output.contains("\"early_stop\":null"))
        #expect(try CheckpointReader.read(path(plain, "last.fovea")).formatVersion == 1)
    }

    /// A run interrupted (at an epoch's end, or mid-epoch after a --save-every checkpoint) and
    /// resumed on another thread count continues the count and stops after the same epoch as
    /// the run that never stopped, leaving the same files byte for byte (and the same figures).
    @Test(arguments: [38, 45])
    func resumeContinuesTheCountExactly(stopAfterSteps steps: Int) throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let flags = EarlyStopCommandTests.plateau + ["--epochs", "10", "--early-stop", "2", "--keep", "10", "--save-every", "7", "--threads", "2"]
        let straight = root.appendingPathComponent("straight"), resumed = root.appendingPathComponent("resumed")
        let reference = try CommandFixtures.train(flags + ["--run-dir", straight.path])
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(flags + ["--run-dir", resumed.path], stopCheck: CommandFixtures.stop(afterSteps: steps))
        }
        let interrupted = try CheckpointReader.read(path(resumed, "last.fovea"))
        #expect(interrupted.state.globalStep == steps && interrupted.earlyStopping?.patience == 2 && !interrupted.history.stoppedEarly)
        // (--keep is not part of the run: given again, as a script that resumes would.)
        let console = try CommandFixtures.resume(path(resumed, "last.fovea"), ["--threads", "1", "--keep", "10"])
        #expect(console.output.split(separator: "\n").last == reference.output.split(separator: "\n").last)
        #expect(listing(resumed) == listing(straight))
        for file in listing(straight) where file.hasSuffix(".fovea") {
            #expect(try bytes(path(resumed, file)) == bytes(path(straight, file)), "\(file)")
        }
        #expect(try figures(resumed) == figures(straight))
    }

    /// Resuming a run that stopped early trains nothing, writes nothing, says why and exits 0,
    /// even with a larger --epochs; a larger --early-stop trains on, counting from the file (one
    /// epoch more here, not three).
    @Test func resumingAStoppedRun() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try CommandFixtures.train(EarlyStopCommandTests.plateau + ["--epochs", "10", "--early-stop", "2", "--run-dir", root.path])
        let last = path(root, "last.fovea")
        let stopped = try CheckpointReader.read(last)
        let (stop, best) = (stopped.state.epoch, try #require(stopped.history.best?.epoch))
        let files = try listing(root).map { try bytes(path(root, $0)) }
        for extra in [[], ["--epochs", "12"], ["--early-stop", "2"]] {
            let console = try CommandFixtures.resume(last, extra)
            #expect(console.output.hasPrefix("early stop after epoch \(stop): test accuracy has not improved for 2 epochs since epoch \(best) ("))
            #expect(console.output.hasSuffix("); best.fovea holds epoch \(best); nothing to train from \(last) (give --early-stop 3 or more to train further)\n"),
                    "\(console.output)")
            #expect(try listing(root).map { try bytes(path(root, $0)) } == files, "\(extra) changed the run folder")
        }
        // A smaller patience than the count: nothing to train either.
        #expect(try CommandFixtures.resume(last, ["--early-stop", "1"]).output.contains("nothing to train"))

        let console = try CommandFixtures.resume(last, ["--early-stop", "3"])
        #expect(console.output.contains("resuming \(last): epoch \(stop + 1), step 0 of 19 (global step \(19 * stop)); 2 of 3 epochs without a better test accuracy since epoch \(best)\n"),
                "\(console.output)")
        let continued = try CheckpointReader.read(last)
        #expect(continued.state.epoch == stop + 1 && continued.history.stoppedEarly && continued.earlyStopping?.patience == 3)
        #expect(console.output.hasSuffix("early stop after epoch \(stop + 1): test accuracy has not improved for 3 epochs since epoch \(best) (\(String(format: "%.2f%%", (continued.history.best?.testAccuracy ?? 0) * 100))); best.fovea holds epoch \(best)\n"),
                "\(console.output)")
    }

    /// --early-stop given on resume turns early stopping on for a run that had none (an older
    /// format), counting from the file's best epoch; a run past its count stops at once.
    @Test func earlyStoppingAddedOnResume() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try CommandFixtures.train(EarlyStopCommandTests.plateau + ["--epochs", "3", "--run-dir", root.path])
        let last = path(root, "last.fovea")
        let plain = try CheckpointReader.read(last)
        #expect(plain.formatVersion == 1 && plain.earlyStopping == nil)
        let best = try #require(plain.history.best?.epoch)
        let count = 3 - best
        let console = try CommandFixtures.resume(last, ["--epochs", "10", "--early-stop", "\(count + 1)"])
        #expect(console.output.contains("; \(count) of \(count + 1) epochs without a better test accuracy since epoch \(best)\n"), "\(console.output)")
        let resumed = try CheckpointReader.read(last)
        #expect(resumed.formatVersion == 5 && resumed.state.epoch == 4 && resumed.history.stoppedEarly)
        #expect(try CommandFixtures.resume(last, ["--early-stop", "\(count + 1)"]).output.contains("nothing to train"))
    }
}
