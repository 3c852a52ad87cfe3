import Foundation
import Fovea
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
        // One training workspace per thread.
        #expect(object["train_workspaces"] as? Int == 2 && (object["train_workspace_bytes"] as? Int ?? 0) > 0)
        #expect(object["train_workspace_per_shard"] as? Bool == false)
        #expect(console.errors.isEmpty)
    }

    /// With batch normalization every shard keeps its workspace through the step, on one thread
    /// too, and the table says so.
    @Test func batchStatisticsKeepAWorkspacePerShard() throws {
        let spec = "conv(4,3) batchnorm relu flatten dense(10)"
        let console = CapturingConsole()
        try BenchCommand.parse(["--model", spec, "--batch-size", "8", "--threads", "1", "--repetitions", "1", "--json"]).run(console: console)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
        #expect(object["train_workspaces"] as? Int == 2 && object["train_workspace_per_shard"] as? Bool == true)
        let table = CapturingConsole()
        try BenchCommand.parse(["--model", spec, "--batch-size", "8", "--threads", "1", "--repetitions", "1"]).run(console: table)
        #expect(table.output.contains("memory: 2 training workspaces of "))
        #expect(table.output.contains("(one per shard: batch statistics keep every shard's alive through the step)"))
    }

    /// Cache sizes as sysfs writes them.
    @Test func cacheSizesParse() {
        #expect(CacheSizes.parseSize("32768K") == 32 << 20)
        #expect(CacheSizes.parseSize("1M") == 1 << 20)
        #expect(CacheSizes.parseSize("512") == 512)
        #expect(CacheSizes.parseSize("12X") == nil && CacheSizes.parseSize("") == nil && CacheSizes.parseSize("K") == nil)
        #expect(CacheSizes.parseSize("99999999999999999G") == nil)
    }

    /// `--loss mse` profiles a network that ends in the input's shape (an autoencoder), which
    /// the default loss refuses.
    @Test func autoencoderWithMSE() throws {
        let spec = "conv(4,3,stride=2,pad=1) relu convT(1,3,stride=2,pad=1,outpad=1)"
        let console = CapturingConsole()
        try BenchCommand.parse(["--model", spec, "--loss", "mse", "--batch-size", "8", "--threads", "2", "--repetitions", "2",
                                "--json"]).run(console: console)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(console.output.utf8)) as? [String: Any])
        #expect(object["loss"] as? String == "mse")
        let layers = try #require(object["layers"] as? [[String: Any]])
        #expect(layers.map { $0["layer"] as? String } == ["conv(4,3,stride=2,pad=1)", "relu", "convT(1,3,stride=2,pad=1,outpad=1)"])
        let training = try #require(object["train_samples_per_second"] as? Double)
        #expect(training > 0)
        #expect(console.errors.isEmpty)

        // Without --loss (softmax cross-entropy) the same network is refused, naming the spec.
        let refused = CapturingConsole()
        #expect(throws: (any Error).self) {
            try BenchCommand.parse(["--model", spec, "--batch-size", "8", "--repetitions", "1"]).run(console: refused)
        }
        #expect(!refused.errors.isEmpty)
    }

    /// A classifier with `--loss mse` is refused naming `--loss`, as by `fovea train`.
    @Test func lossThatDoesNotFitTheOutput() {
        let console = CapturingConsole()
        #expect(throws: (any Error).self) {
            try BenchCommand.parse(["--model", "flatten dense(10)", "--loss", "mse", "--repetitions", "1"]).run(console: console)
        }
        #expect(console.errors.joined().contains("--loss mse"))
    }

    @Test func rejectsBadFlags() {
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--threads", "0"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--batch-size", "0"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--loss", "hinge"]) }
    }
}
