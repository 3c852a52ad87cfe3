import ArgumentParser
import Fovea

/// `fovea summary`: the layers of a model with their output shapes and parameter counts.
public struct SummaryCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "Print a model's layers, output shapes and parameter counts (Keras-style)."
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

    /// The summary as lines of text.
    static func table(_ network: Network) -> [String] {
        var rows: [[String]] = [["#", "layer", "output", "parameters"], ["", "input", "\(network.inputShape)", ""]]
        for (i, layer) in network.layers.enumerated() {
            rows.append(["\(i + 1)", layer.specification.description, "\(layer.outputShape)",
                         layer.parameterCount == 0 ? "" : Format.integer(layer.parameterCount)])
        }
        let widths = (0 ..< 4).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = ["model: \(network.spec)"]
        for row in rows {
            let cells = row.enumerated().map { c, cell in
                c == 3 ? String(repeating: " ", count: widths[c] - cell.count) + cell
                    : cell + String(repeating: " ", count: widths[c] - cell.count)
            }
            lines.append(cells.joined(separator: "  "))
        }
        let megabytes = Double(network.parameterCount * 4) / 1_048_576
        lines.append("total: \(Format.integer(network.parameterCount)) parameters (\(Format.fixed(megabytes, 2)) MiB as float32); "
            + "\(Format.fixed(Double(network.multiplyAccumulatesPerSample) / 1e6, 2)) M multiply-adds per sample forward")
        return lines
    }
}
