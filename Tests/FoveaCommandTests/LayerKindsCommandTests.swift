import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// A network with batch normalization through the command line: its running statistics are
/// saved and restored, `fovea eval` reproduces the run's test figures, and a run stopped in the
/// middle of an epoch resumes to the same parameters and statistics.
@Suite struct LayerKindsCommandTests {
    static let model = "conv(6,3,pad=1) batchnorm relu maxpool(2) flatten dense(16) batchnorm relu dense(10)"

    @Test func checkpointsEvaluationAndResume() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let straight = root.appendingPathComponent("straight").path
        let console = try CommandFixtures.train(["--model", Self.model, "--epochs", "2", "--threads", "2", "--run-dir", straight])
        let last = try CheckpointReader.read(straight + "/last.fovea")
        #expect(last.formatVersion == 3)
        #expect(last.layerState.count == 2 * (6 + 16) && last.layerState.contains { $0 != 0 && $0 != 1 })

        // fovea eval gives the test figures of the last epoch line, from the running statistics.
        let epochLine = try #require(console.output.split(separator: "\n").last { $0.hasPrefix("epoch 2/2") })
        let eval = CapturingConsole()
        try EvalCommand.parse([straight + "/last.fovea"]).run(console: eval)
        let accuracy = try #require(epochLine.firstMatch(of: /test loss ([0-9.]+) acc ([0-9.]+%)/))
        let evaluated = try #require(eval.output.firstMatch(of: /loss ([0-9.]+)  accuracy ([0-9.]+%)/))
        #expect(String(format: "%.4f", try #require(Double(evaluated.1))) == accuracy.1)
        #expect(evaluated.2 == accuracy.2)

        // Stopped after 25 steps (in epoch 2), resumed with another thread count.
        let stopped = root.appendingPathComponent("stopped").path
        #expect(throws: ExitCode(130)) {
            try CommandFixtures.train(["--model", Self.model, "--epochs", "2", "--threads", "2", "--run-dir", stopped],
                                      stopCheck: CommandFixtures.stop(afterSteps: 25))
        }
        try CommandFixtures.resume(stopped + "/last.fovea", ["--threads", "1"])
        let resumed = try CheckpointReader.read(stopped + "/last.fovea")
        #expect(resumed.parameters == last.parameters)
        #expect(resumed.layerState == last.layerState)
    }

    /// Every layer kind in one network: a checkpoint holds its parameters and running
    /// statistics by name, `fovea eval` reproduces the last epoch's test figures, and two runs
    /// with 1 and 2 threads end with the same weights.
    @Test func everyKindRoundTrips() throws {
        let spec = "conv(8,3,pad=same) batchnorm leakyrelu dwconv(3,mult=2,pad=1) elu maxpool(2,pad=1) sepconv(8,3,pad=same,dilation=2) "
            + "tanh avgpool(2) convT(8,2,stride=2) sigmoid upsample minpool(2) sumpool(2) conv(8,3,stride=2) relu globalavgpool dropout(0.1) dense(10)"
        #expect(Set(try ModelSpec(spec).layers.map(\.kind.token)) == Set(LayerRegistry.kinds.map(\.token)).subtracting(["flatten"]))
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var weights: [String] = []
        for threads in ["1", "2"] {
            let folder = root.appendingPathComponent("run\(threads)").path
            let console = try CommandFixtures.train(["--model", spec, "--epochs", "1", "--threads", threads, "--run-dir", folder])
            weights.append(try CommandFixtures.weights(folder + "/last.fovea"))
            let epochLine = try #require(console.output.split(separator: "\n").last { $0.hasPrefix("epoch 1/1") })
            let figures = try #require(epochLine.firstMatch(of: /test loss ([0-9.]+) acc ([0-9.]+%)/))
            let eval = CapturingConsole()
            try EvalCommand.parse([folder + "/last.fovea"]).run(console: eval)
            let evaluated = try #require(eval.output.firstMatch(of: /loss ([0-9.]+)  accuracy ([0-9.]+%)/))
            #expect(String(format: "%.4f", try #require(Double(evaluated.1))) == figures.1)
            #expect(evaluated.2 == figures.2)
        }
        #expect(weights[0] == weights[1])
    }
}
