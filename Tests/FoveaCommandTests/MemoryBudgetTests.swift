import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `--memory-budget`: a run whose estimated memory exceeds the budget is refused with one line
/// before anything is allocated or written; the estimate grows with the batch and is bounded
/// in shards.
@Suite struct MemoryBudgetTests {
    @Test func refusedBeforeAnythingIsWritten() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("run").path
        var console = CapturingConsole()
        #expect(throws: ExitCode.failure) {
            console = try CommandFixtures.train(["--epochs", "1", "--run-dir", folder, "--memory-budget", "0.001"])
        }
        _ = console
        #expect(!FileManager.default.fileExists(atPath: folder + "/last.fovea"))
        // Within the budget, the same run trains.
        try CommandFixtures.train(["--epochs", "1", "--run-dir", folder, "--memory-budget", "1"])
        #expect(FileManager.default.fileExists(atPath: folder + "/last.fovea"))
    }

    @Test func message() throws {
        let command = try TrainCommand.parse(["--data", try CommandFixtures.tinyMNIST(), "--batch-size", "32", "--epochs", "1",
                                              "--memory-budget", "0.001", "--run-dir", NSTemporaryDirectory() + "fovea-budget-\(UUID())"])
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try command.run(console: console, stopCheck: { nil }) }
        let line = try #require(console.errors.last)
        #expect(line.hasPrefix("fovea: --batch-size 32: training would take about "))
        #expect(line.hasSuffix("more than the memory budget of 0.0 GiB (--memory-budget); use a smaller --batch-size"))
    }

    @Test func estimateGrowsWithTheBatchAndStaysFinite() throws {
        let network = try Network(spec: ModelSpec("mnist-cnn"), inputShape: FeatureShape(channels: 1, height: 28, width: 28), classes: 10)
        let small = Trainer.estimatedBytes(network: network, batchSize: 64, threads: 2, optimizerStateTensors: 1)
        let large = Trainer.estimatedBytes(network: network, batchSize: 60_000, threads: 2, optimizerStateTensors: 1)
        let absurd = Trainer.estimatedBytes(network: network, batchSize: Int.max / 2, threads: 5000, optimizerStateTensors: 2)
        #expect(small > 4 * Double(network.parameterCount) * 4 && small < 400e6)
        #expect(large > small && large.isFinite && absurd.isFinite && absurd > large)
        #expect(Trainer.shardCount(batch: 60_000) == Trainer.maximumShards && Trainer.shardCount(batch: 2048) == 64)
    }
}
