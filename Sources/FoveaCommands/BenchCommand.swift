import ArgumentParser
import Fovea

/// `fovea bench`: per-layer forward and backward milliseconds and GFLOP/s on one thread.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time each layer's forward and backward pass on one shard, on one thread."
    )

    @Option(help: "A preset or a model spec.")
    var model: String = "mnist-cnn"

    @Option(name: .customLong("batch-size"), help: "Samples per shard.")
    var batchSize: Int = 32

    @Option(help: "Timed repetitions per pass (the median is reported).")
    var repetitions: Int = 10

    public init() {}

    public mutating func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
    }

    public func run() throws {
        let console = StandardConsole()
        do {
            let network = try Network(spec: ModelSpec(model), inputShape: FeatureShape(channels: 1, height: 28, width: 28), classes: 10)
            let timings = LayerProfiler.profile(network: network, batch: batchSize, repetitions: repetitions)
            console.line("model: \(network.spec), shard of \(batchSize), 1 thread")
            console.line("#   layer            forward ms  GFLOP/s   backward ms  GFLOP/s")
            var forward = 0.0, backward = 0.0
            for t in timings {
                forward += t.forwardMilliseconds
                backward += t.backwardMilliseconds
                let fRate = t.forwardFlops > 0 ? Format.fixed(t.forwardFlops / t.forwardMilliseconds / 1e6, 1) : "-"
                let bRate = t.backwardFlops > 0 ? Format.fixed(t.backwardFlops / t.backwardMilliseconds / 1e6, 1) : "-"
                console.line(pad("\(t.index)", 4) + pad(t.layer, 16) + lpad(Format.fixed(t.forwardMilliseconds, 3), 11)
                    + lpad(fRate, 9) + lpad(Format.fixed(t.backwardMilliseconds, 3), 14) + lpad(bRate, 9))
            }
            let total = forward + backward
            console.line("total: forward \(Format.fixed(forward, 2)) ms, backward \(Format.fixed(backward, 2)) ms: "
                + "\(Format.integer(Int(Double(batchSize) / total * 1000))) samples/s on one thread (layers only)")
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    private func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
    private func lpad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}
