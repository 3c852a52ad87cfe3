import ArgumentParser
import Fovea

/// `fovea summary`: the layers of a model with their output shapes and parameter counts.
public struct SummaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers, output shapes and parameter counts, trainable and not (Keras-style)."
    )

    @Option(help: "A preset (\(ModelSpec.presets.map(\.key).joined(separator: ", "))) or a model spec in quotes.")
    var model: String = TrainCommand.defaultModel

    @Option(help: "Input height and width, in pixels.")
    var size: Int = 28

    @Option(help: "Input channels.")
    var channels: Int = 1

    public init() {}

    public func run() throws {
        try run(console: StandardConsole())
    }

    /// Any network, whatever its last layer outputs (an image, a single value, class logits):
    /// a summary has no loss.
    public func run(console: Console) throws {
        do {
            for (flag, value) in [("--size", size), ("--channels", channels)] where !(1 ... LayerArgument.largestSize).contains(value) {
                throw CommandFailure(description: "\(flag) must be from 1 to \(LayerArgument.largestSize), got \(value)")
            }
            let spec = try ModelSpec(model)
            let input = FeatureShape(channels: channels, height: size, width: size)
            let layers = try Network.layers(of: spec, inputShape: input)
            for line in SummaryCommand.table(spec: spec, inputShape: input, layers: layers) {
                console.line(line)
            }
            console.line(SummaryCommand.fittingLosses(output: layers.last?.outputShape ?? input, input: input))
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    /// Which `--loss` and `--target` the network's output fits, as one line: `output [1, 28, 28]
    /// fits --loss mse or l1 (target: …)`. A flat output of `n > 1` values is checked against `n`
    /// classes, anything else against 10 (a summary has no data).
    static func fittingLosses(output: FeatureShape, input: FeatureShape) -> String {
        let classes = output.isFlat && output.count > 1 ? output.count : 10
        var fits: [(target: TrainingTarget, options: [String])] = []
        for kind in LossRegistry.kinds {
            for target in kind.targets where kind.mismatch(output: output, target: target, input: input, classes: kind.classCount ?? classes) == nil {
                if let index = fits.firstIndex(where: { $0.target == target }) {
                    fits[index].options.append(kind.option)
                } else {
                    fits.append((target, [kind.option]))
                }
            }
        }
        guard !fits.isEmpty else {
            return "output \(output) fits no loss as it is (a classifier ends in dense(classes), a binary one in dense(1), an autoencoder in the input's shape \(input))"
        }
        return "output \(output) fits " + fits.map { fit in
            "--loss \(fit.options.joined(separator: " or ")) (target: \(fit.target.description))"
        }.joined(separator: "; ")
    }

    /// The summary of a built network.
    public static func table(_ network: Network) -> [String] {
        table(spec: network.spec, inputShape: network.inputShape, layers: network.layers)
    }

    /// The summary as lines of text: one row per layer with its trainable parameters (and its
    /// non-trainable state, in a column of its own when any layer keeps some), then the totals,
    /// as Keras counts them.
    public static func table(spec: ModelSpec, inputShape: FeatureShape, layers: [any Layer]) -> [String] {
        let parameterCount = layers.reduce(0) { $0 + $1.parameterCount }, stateCount = layers.reduce(0) { $0 + $1.stateCount }
        let multiplyAccumulates = layers.reduce(0) { $0 + $1.multiplyAccumulates }
        let hasState = stateCount > 0
        func count(_ value: Int) -> String { value == 0 ? "" : Format.integer(value) }
        var rows: [[String]] = [["#", "layer", "output", "parameters"] + (hasState ? ["non-trainable"] : []),
                                ["", "input", "\(inputShape)", ""] + (hasState ? [""] : [])]
        for (i, layer) in layers.enumerated() {
            rows.append(["\(i + 1)", layer.specification.description, "\(layer.outputShape)", count(layer.parameterCount)]
                + (hasState ? [count(layer.stateCount)] : []))
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = ["model: \(spec)"]
        for row in rows {
            let cells = row.enumerated().map { c, cell in
                c >= 3 ? String(repeating: " ", count: widths[c] - cell.count) + cell
                    : cell + String(repeating: " ", count: widths[c] - cell.count)
            }
            lines.append(cells.joined(separator: "  "))
        }
        let total = parameterCount + stateCount
        let megabytes = Double(total * 4) / 1_048_576
        lines.append("total: \(Format.integer(total)) parameters (\(Format.fixed(megabytes, 2)) MiB as float32); "
            + "\(Format.fixed(Double(multiplyAccumulates) / 1e6, 2)) M multiply-adds per sample forward")
        lines.append("trainable: \(Format.integer(parameterCount)); "
            + "non-trainable: \(Format.integer(stateCount)) (layer state: kept in checkpoints, never trained)")
        return lines
    }
}
