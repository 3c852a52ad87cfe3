import Foundation
import FoveaCommands
import Testing

@Suite struct BenchCommandTests {
    /// `fovea bench --json` measures a small model and reports every figure, positive, with one
    /// entry per layer.
    @Test func jsonReport() throws {
        let console = CapturingConsole()
        try BenchCommand.parse(["--model", "conv(4,3) relu maxpool(2) flatten dense(10)", "--batch-size", "8",
                                "--threads", "2", "--repetitions", "2", "--json"]).run(console: console)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
        #expect(object["batch_size"] as? Int == 8 && object["threads"] as? Int == 2 && object["shard"] as? Int == 4)
        for key in ["peak_gflops_per_thread", "peak_gflops", "train_samples_per_second", "train_fraction_of_peak",
                    "eval_samples_per_second", "eval_fraction_of_peak"] {
            let value = try #require(object[key] as? Double, "\(key) missing")
            #expect(value > 0, "\(key) = \(value)")
        }
        let layers = try #require(object["layers"] as? [[String: Any]])
        // In the order they run: the ReLU after the pooling it precedes in the spec.
        #expect(layers.map { $0["layer"] as? String } == ["conv(4,3)", "maxpool(2)", "relu", "flatten", "dense(10)"])
        #expect(console.errors.isEmpty)
    }

    @Test func rejectsBadFlags() {
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--threads", "0"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--batch-size", "0"]) }
    }
}
