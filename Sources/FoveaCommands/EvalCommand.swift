import ArgumentParser
import Fovea
import Foundation

/// `fovea eval FILE`: rebuilds the model from a checkpoint alone and evaluates it on the test
/// set, with the evaluator and normalisation training used, so that the accuracy equals the one
/// reported when the checkpoint was saved.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on the test set: loss, accuracy, per-class accuracy and the confusion matrix."
    )

    @Argument(help: "A checkpoint (.fovea) written by fovea train.")
    var file: String

    @Option(help: "MNIST-style folder whose t10k files are evaluated. (default: the folder the run trained on, else data/mnist)")
    var data: String?

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Flag(help: "Print one JSON object: loss, accuracy, per_class_accuracy, confusion (rows = true class).")
    var json = false

    public init() {}

    public mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    public func run(console: Console) throws {
        do {
            let checkpoint = try CheckpointReader.read(file)
            let network = checkpoint.network
            let directory = try DataLocation.resolve(given: data, recorded: checkpoint.data.directory)
            let test = try MNISTDataset(directory: directory, classes: network.classes).test
            guard test.sampleShape == network.inputShape else {
                throw CommandFailure(description: "\(directory): the test images are \(test.sampleShape), but the model of \(file) takes \(network.inputShape) (pass --data with the images the run trained on)")
            }
            if let warning = DataLocation.mismatchWarning("test set", directory: directory, file: file, recorded: checkpoint.data.test,
                                                          actual: DataFingerprint(of: test),
                                                          consequence: "the figures will differ from those at save time") {
                console.diagnose(warning)
            }
            let evaluator = Evaluator(network: network, threads: ThreadCount.resolve(threads, console: console))
            let result = evaluator.evaluate(checkpoint.makeModel(), on: test)
            if json {
                console.line(EvalCommand.json(result))
            } else {
                let position = checkpoint.state.stepInEpoch == 0 ? "after epoch \(checkpoint.state.epoch)"
                    : "in epoch \(checkpoint.state.epoch + 1) at step \(Format.integer(checkpoint.state.stepInEpoch))"
                console.line("checkpoint: \(file) (\(network.spec), saved \(position))")
                console.line("data: \(directory): \(Format.integer(test.count)) test images")
                for line in EvalCommand.text(result) { console.line(line) }
            }
        } catch let failure as ExitCode {
            throw failure
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    /// Loss and accuracy, a per-class table and the confusion matrix, columns aligned (the loss
    /// alone for a loss that does not classify).
    static func text(_ r: EvaluationResult) -> [String] {
        guard let accuracy = r.accuracy else { return ["loss \(Format.fixed(r.loss, 6)) (\(Format.integer(r.count)) samples)"] }
        let correct = r.confusion.enumerated().reduce(0) { $0 + $1.element[$1.offset] }
        var lines = ["loss \(Format.fixed(r.loss, 6))  accuracy \(Format.percent(accuracy)) (\(Format.integer(correct))/\(Format.integer(r.count)))", ""]
        let classes = r.confusion.count
        let perClass = r.perClassAccuracy
        lines.append(contentsOf: Table.aligned([["class", "accuracy", "correct", "samples"]] + (0 ..< classes).map { c in
            let total = r.confusion[c].reduce(0, +)
            return ["\(c)", perClass[c].map(Format.percent) ?? "-", Format.integer(r.confusion[c][c]), Format.integer(total)]
        }))
        lines.append("")
        lines.append("confusion matrix (rows: true class, columns: predicted class)")
        let header = ["true \\ predicted"] + (0 ..< classes).map { "\($0)" }
        lines.append(contentsOf: Table.aligned([header] + r.confusion.enumerated().map { c, row in ["\(c)"] + row.map { "\($0)" } }))
        return lines
    }

    static func json(_ r: EvaluationResult) -> String {
        JSON.object([
            ("loss", Format.json(r.loss)),
            ("accuracy", JSON.number(r.accuracy)),
            ("per_class_accuracy", JSON.array(r.perClassAccuracy.map { JSON.number($0) })),
            ("confusion", JSON.array(r.confusion.map { row in JSON.array(row.map { "\($0)" }) })),
        ])
    }
}

/// Text tables with right-aligned columns, two spaces apart.
enum Table {
    static func aligned(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0 ..< columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in String(repeating: " ", count: widths[c] - cell.count) + cell }.joined(separator: "  ")
        }
    }
}
