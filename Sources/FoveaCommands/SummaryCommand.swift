import ArgumentParser
import Fovea

/// `fovea summary`: the layers of a model with their output shapes and parameter counts.
public struct SummaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers, output shapes and parameter counts, trainable and not (Keras-style)."
    )

    @Option(help: "A preset (mnist-fast, mnist-cnn, lenet-small, mlp) or a model spec in quotes.")
    var model: String = TrainCommand.defaultModel

    @Option(help: "Input height and width.")
    var size: Int = 28

    @Option(help: "Number of classes.")
    var classes: Int = 10

    public init() {}

    public func run() throws {
        try run(console: StandardConsole())
    }

    public func run(console: Console) throws {
        do {
            let network = try Network(spec: try ModelSpec(model), inputShape: FeatureShape(channels: 1, height: size, width: size),
                                      classes: classes)
            for line in SummaryCommand.table(network) { console.line(line) }
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    /// The summary as lines of text: one row per layer with its trainable parameters (and its
    /// non-trainable state, in a column of its own when any layer keeps some), then the totals,
    /// as Keras counts them.
    public static func table(_ network: Network) -> [String] {
        let hasState = network.stateCount > 0
        func count(_ value: Int) -> String { value == 0 ? "" : Format.integer(value) }
        var rows: [[String]] = [["#", "layer", "output", "parameters"] + (hasState ? ["non-trainable"] : []),
                                ["", "input", "\(network.inputShape)", ""] + (hasState ? [""] : [])]
        for (i, layer) in network.layers.enumerated() {
            rows.append(["\(i + 1)", layer.specification.description, "\(layer.outputShape)", count(layer.parameterCount)]
                + (hasState ? [count(layer.stateCount)] : []))
        }
        let widths = rows[0].indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = ["model: \(network.spec)"]
        for row in rows {
            let cells = row.enumerated().map { c, cell in
                c >= 3 ? String(repeating: " ", count: widths[c] - cell.count) + cell
                    : cell + String(repeating: " ", count: widths[c] - cell.count)
            }
            lines.append(cells.joined(separator: "  "))
        }
        let total = network.parameterCount + network.stateCount
        let megabytes = Double(total * 4) / 1_048_576
        lines.append("total: \(Format.integer(total)) parameters (\(Format.fixed(megabytes, 2)) MiB as float32); "
            + "\(Format.fixed(Double(network.multiplyAccumulatesPerSample) / 1e6, 2)) M multiply-adds per sample forward")
        lines.append("trainable: \(Format.integer(network.parameterCount)); "
            + "non-trainable: \(Format.integer(network.stateCount)) (layer state: kept in checkpoints, never trained)")
        return lines
    }
}
