import ArgumentParser
import Fovea
import Foundation

/// `fovea bench`: the machine's FMA peak, per-layer forward and backward time of one shard,
/// and whole-step training and evaluation throughput, each as a fraction of the peak.
public struct BenchCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the FMA peak, each layer's speed, and training and evaluation throughput.",
        discussion: """
        GFLOP/s count the multiply-adds of a direct convolution (2 per multiply-add; backward \
        twice forward), as PyTorch's profiler does, so a Winograd convolution can exceed the \
        peak. Run it on an idle machine: every figure is a wall-clock median. The peak is measured
        again at the end; a note says when the two readings, or the threads against one, show
        another load on the cores.
        """
    )

    @Option(help: "A preset or a model spec.")
    var model: String = "mnist-cnn"

    @Option(name: .customLong("batch-size"), help: "Samples per training step and per evaluation chunk.")
    var batchSize: Int = 64

    @Option(help: ArgumentHelp("The optimizer of the training steps: \(OptimizerRegistry.names), with its default hyper-parameters."))
    var optimizer: String = SGD.name

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: ArgumentHelp("The loss the model is trained with, as fovea train's --loss: it decides the output the network must end in (10 logits for ce, 1 for bce, the input's shape for mse and l1). (default: \(TrainCommand.Defaults.loss))",
                               valueName: "ce|bce|mse|l1"))
    var loss: String?

    @Option(help: "Timed repetitions of each layer pass (the median is reported).")
    var repetitions: Int = 10

    @Flag(help: "Print one JSON object instead of the tables.")
    var json = false

    public init() {}

    public mutating func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1, got \(repetitions)") }
        // --batch-size, --threads and --loss as fovea train checks them.
        try TrainingFlags.check(batchSize: batchSize, threads: threads, limit: nil, validation: nil, classes: nil,
                                clipGradNorm: nil, memoryBudget: nil, loss: loss)
        do {
            _ = try OptimizerRegistry.make(optimizer, given: [:])
        } catch {
            throw ValidationError("\(error)")
        }
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    public func run(console: Console) throws {
        do {
            let (lossKind, classes) = TrainingFlags.loss(loss, classes: nil, defaultClasses: TrainCommand.Defaults.classes)
            let network = try TrainingFlags.network(spec: ModelSpec(model), inputShape: FeatureShape(channels: 1, height: 28, width: 28),
                                                    classes: classes, loss: lossKind, given: loss)
            let threads = ThreadCount.resolve(self.threads, console: console)
            let report = try BenchReport.measure(network: network, batch: batchSize, threads: threads,
                                                 optimizer: try OptimizerRegistry.make(optimizer, given: [:]), repetitions: repetitions)
            console.write(json ? report.json + "\n" : report.table)
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }
}

/// Everything `fovea bench` measures, and its two renderings.
struct BenchReport {
    let spec: String
    /// The loss's `--loss` option (`ce`, `mse`, …).
    let loss: String
    let batch: Int
    let threads: Int
    let shard: Int
    let peakPerThread: Double
    let peak: Double
    /// The peak on `threads` workers again, after every other measurement.
    let peakAfter: Double
    let layers: [LayerTiming]
    let trainingSamplesPerSecond: Double
    /// The training workspaces a step keeps alive, and the bytes of each.
    let trainingWorkspaces: Int
    let trainingWorkspaceBytes: Int
    /// Whether they are one per shard (whole-batch layers) rather than one per thread.
    let workspacePerShard: Bool
    /// The last-level cache, where sysfs says.
    let lastLevelCache: (level: Int, bytes: Int)?
    let evaluationSamplesPerSecond: Double
    /// FLOP of one sample: forward, and a training step (3 × forward).
    let forwardFlopsPerSample: Double

    static func measure(network: Network, batch: Int, threads: Int, optimizer: any Optimizer, repetitions: Int) throws -> BenchReport {
        let peakPerThread = MachinePeak.measure(threads: 1)
        let peak = threads == 1 ? peakPerThread : MachinePeak.measure(threads: threads)
        let shard = Trainer.shardRange(0, of: Trainer.shardCount(batch: batch), batch: batch).count
        let layers = LayerProfiler.profile(network: network, batch: shard, repetitions: repetitions)
        let training = try ThroughputBenchmark.training(network: network, batch: batch, threads: threads, optimizer: optimizer)
        let evaluation = try ThroughputBenchmark.evaluation(network: network, batch: batch, threads: threads)
        let peakAfter = MachinePeak.measure(threads: threads)
        let forward = 2 * Double(network.layers.reduce(0) { $0 + $1.multiplyAccumulates })
        return BenchReport(spec: network.spec.description, loss: network.loss.option, batch: batch, threads: threads, shard: shard, peakPerThread: peakPerThread,
                           peak: peak, peakAfter: peakAfter, layers: layers, trainingSamplesPerSecond: training.samplesPerSecond,
                           trainingWorkspaces: training.workspaces, trainingWorkspaceBytes: training.workspaceBytes, workspacePerShard: training.workspacePerShard,
                           lastLevelCache: CacheSizes.lastLevel, evaluationSamplesPerSecond: evaluation, forwardFlopsPerSample: forward)
    }

    /// Why the figures should not be trusted (`MachinePeak.unsteadiness`), or `nil`.
    var unsteadiness: String? { MachinePeak.unsteadiness(perThread: peakPerThread, threads: threads, start: peak, end: peakAfter) }

    var trainingFlops: Double { trainingSamplesPerSecond * 3 * forwardFlopsPerSample }
    var evaluationFlops: Double { evaluationSamplesPerSecond * forwardFlopsPerSample }

    var table: String {
        var lines: [String] = []
        lines.append("model: \(spec)" + (loss == SoftmaxCrossEntropy.option ? "" : ", loss \(loss)"))
        lines.append("FMA peak: \(gflops(peakPerThread)) GFLOP/s per thread, \(gflops(peak)) on \(threads) thread\(threads == 1 ? "" : "s")")
        if let unsteadiness { lines.append("note: " + unsteadiness) }
        lines.append("")
        lines.append("layers, one shard of \(shard) samples on one thread:")
        lines.append("#   layer            forward ms  GFLOP/s  of peak   backward ms  GFLOP/s  of peak")
        var forward = 0.0, backward = 0.0
        for t in layers {
            forward += t.forwardMilliseconds
            backward += t.backwardMilliseconds
            func rate(_ flops: Double, _ ms: Double) -> (String, String) {
                flops > 0 ? (Format.fixed(flops / ms / 1e6, 1), Format.percent(flops / ms * 1e3 / peakPerThread)) : ("-", "-")
            }
            let (fRate, fPeak) = rate(t.forwardFlops, t.forwardMilliseconds)
            let (bRate, bPeak) = rate(t.backwardFlops, t.backwardMilliseconds)
            lines.append(pad("\(t.index)", 4) + pad(t.layer, 16) + lpad(Format.fixed(t.forwardMilliseconds, 3), 11)
                + lpad(fRate, 9) + lpad(fPeak, 9) + lpad(Format.fixed(t.backwardMilliseconds, 3), 14) + lpad(bRate, 9) + lpad(bPeak, 9))
        }
        lines.append("total: forward \(Format.fixed(forward, 2)) ms, backward \(Format.fixed(backward, 2)) ms: "
            + "\(Format.integer(Int(Double(shard) / (forward + backward) * 1000))) samples/s on one thread (layers only)")
        lines.append("")
        lines.append("whole steps, batch \(batch), \(threads) thread\(threads == 1 ? "" : "s"):")
        lines.append("  training    \(lpad(Format.integer(Int(trainingSamplesPerSecond)), 8)) samples/s  "
            + "\(gflops(trainingFlops)) GFLOP/s  \(Format.percent(trainingFlops / peak)) of peak")
        lines.append("  evaluation  \(lpad(Format.integer(Int(evaluationSamplesPerSecond)), 8)) samples/s  "
            + "\(gflops(evaluationFlops)) GFLOP/s  \(Format.percent(evaluationFlops / peak)) of peak")
        lines.append(memoryLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The training workspaces against the last-level cache: a step whose live workspaces do not
    /// fit it streams its activations from memory (docs/performance.md, batch normalization).
    var memoryLine: String {
        let total = trainingWorkspaces * trainingWorkspaceBytes
        var line = "  memory: \(trainingWorkspaces) training workspace\(trainingWorkspaces == 1 ? "" : "s") of \(megabytes(trainingWorkspaceBytes)) MB"
            + (workspacePerShard ? " (one per shard: batch statistics keep every shard's alive through the step)" : " (one per thread)")
        if let cache = lastLevelCache {
            line += "; \(megabytes(total)) MB against the \(megabytes(cache.bytes)) MB L\(cache.level) cache"
                + (total > cache.bytes ? ", which they do not fit" : "")
        }
        return line
    }

    private func megabytes(_ bytes: Int) -> String { Format.fixed(Double(bytes) / 1_048_576, 1) }

    var json: String {
        let layerObjects = layers.map { t in
            "{\"index\":\(t.index),\"layer\":\"\(t.layer)\",\"forward_ms\":\(Format.json(t.forwardMilliseconds)),"
                + "\"backward_ms\":\(Format.json(t.backwardMilliseconds)),\"forward_gflops\":\(Format.json(t.forwardFlops / t.forwardMilliseconds / 1e6)),"
                + "\"backward_gflops\":\(Format.json(t.backwardFlops / t.backwardMilliseconds / 1e6))}"
        }
        let fields: [(String, String)] = [
            ("model", "\"\(spec)\""), ("loss", "\"\(loss)\""), ("batch_size", "\(batch)"), ("threads", "\(threads)"), ("shard", "\(shard)"),
            ("peak_gflops_per_thread", Format.json(peakPerThread / 1e9)), ("peak_gflops", Format.json(peak / 1e9)),
            ("peak_gflops_after", Format.json(peakAfter / 1e9)), ("steady", unsteadiness == nil ? "true" : "false"),
            ("layers", "[" + layerObjects.joined(separator: ",") + "]"),
            ("train_samples_per_second", Format.json(trainingSamplesPerSecond)), ("train_gflops", Format.json(trainingFlops / 1e9)),
            ("train_fraction_of_peak", Format.json(trainingFlops / peak)),
            ("eval_samples_per_second", Format.json(evaluationSamplesPerSecond)), ("eval_gflops", Format.json(evaluationFlops / 1e9)),
            ("eval_fraction_of_peak", Format.json(evaluationFlops / peak)),
            ("train_workspaces", "\(trainingWorkspaces)"), ("train_workspace_bytes", "\(trainingWorkspaceBytes)"),
            ("train_workspace_per_shard", workspacePerShard ? "true" : "false"),
            ("last_level_cache_bytes", lastLevelCache.map { "\($0.bytes)" } ?? "null"),
        ]
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    private func gflops(_ flops: Double) -> String { Format.fixed(flops / 1e9, 1) }
    private func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
    private func lpad(_ s: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
}
