import ArgumentParser
import Fovea
import Foundation

/// `fovea eval FILE`: rebuilds the model from a checkpoint alone and evaluates it on the test
/// set, with the evaluator and normalisation training used, so that the accuracy equals the one
/// reported when the checkpoint was saved.
public struct EvalCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on the test set: loss, accuracy, per-class accuracy and the confusion matrix (MSE and PSNR for an autoencoder).",
        discussion: """
        --errors FILE.png draws the misclassified test images, worst (highest loss) first, each with \
        its true class, the predicted class and that prediction's probability beneath it; \
        --confusion FILE.png draws the confusion matrix as a heatmap with the counts in the cells. \
        Both need a checkpoint whose loss classifies (ce or bce, not mse or l1).

        For a checkpoint trained with mse or l1 against its input (an autoencoder), eval prints the \
        MSE on the intensity scale [0, 1] and the PSNR (10·log10(1/MSE) dB), overall and per class, \
        with the test images corrupted as the run corrupted them (--input-noise, --occlude: the same \
        draws every time); --png FILE.png draws the first --count test images in rows: the clean \
        input, the corrupted input (denoising runs) and the reconstruction. JSON keys: loss, mse, \
        psnr, per_class_mse, per_class_psnr (null for a class without samples; no psnr for a \
        regression on label values).
        """
    )

    @Argument(help: "A checkpoint (.fovea) written by fovea train.")
    var file: String

    @Option(help: "MNIST-style folder whose t10k files are evaluated. (default: the folder the run trained on, else data/mnist)")
    var data: String?

    @Option(help: "Worker threads (default: all cores). Results do not depend on it.")
    var threads: Int?

    @Flag(help: "Print one JSON object: loss, accuracy, per_class_accuracy, confusion (rows = true class).")
    var json = false

    @Option(help: ArgumentHelp("Write the misclassified test images, worst first, with true class, prediction and probability, to this PNG (replaced atomically).",
                               valueName: "file.png"))
    var errors: String?

    @Option(help: "With --errors: how many of the worst errors to draw; with --png: how many test images. 1…\(EvalCommand.maximumCount). (default: \(EvalCommand.defaultCount) errors, \(EvalCommand.defaultReconstructions) images)")
    var count: Int?

    @Option(help: ArgumentHelp("Autoencoders: write the first --count test images, each as clean input, corrupted input (denoising) and reconstruction, to this PNG (replaced atomically).",
                               valueName: "file.png"))
    var png: String?

    @Option(help: ArgumentHelp("Write the confusion matrix as a heatmap (counts in the cells, log colour scale) to this PNG (replaced atomically).",
                               valueName: "file.png"))
    var confusion: String?

    /// `--count`'s default (errors; reconstructions) and upper limit.
    static let defaultCount = 100, defaultReconstructions = 16, maximumCount = 10_000
    /// Images per row in the error gallery, and their enlargement.
    static let galleryColumns = 10, galleryZoom = 3

    public init() {}

    public mutating func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let count {
            try require(errors != nil || png != nil, "--count needs --errors FILE.png or --png FILE.png (it sets how many images they draw)")
            try require((1 ... EvalCommand.maximumCount).contains(count), "--count must be in 1…\(EvalCommand.maximumCount), got \(count)")
        }
        if let errors { try require(!errors.isEmpty, "--errors must name a file") }
        if let confusion { try require(!confusion.isEmpty, "--confusion must name a file") }
        if let png { try require(!png.isEmpty, "--png must name a file") }
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
            let pictures = [("--errors", errors), ("--confusion", confusion)].filter { $0.1 != nil }
            if let flag = pictures.first?.0, !network.loss.classifies {
                throw CommandFailure(description: "\(flag): \(file): the model's loss, \(network.loss.title), does not classify, so there are no predicted classes to draw (use a checkpoint trained on class labels)")
            }
            let options = checkpoint.options
            let evaluator = Evaluator(network: network, threads: ThreadCount.resolve(threads, console: console),
                                      corruption: options.corruption, seed: options.seed)
            if png != nil, network.target != .input {
                throw CommandFailure(description: "--png: \(file): \(ReconstructionError.notAnAutoencoder(target: network.target, loss: network.loss.title))")
            }
            let samples = pictures.isEmpty ? nil : try evaluator.evaluateSamples(checkpoint.makeModel(), on: test)
            let result = samples?.result ?? evaluator.evaluate(checkpoint.makeModel(), on: test)
            if json {
                console.line(EvalCommand.json(result))
            } else {
                let position = checkpoint.state.stepInEpoch == 0 ? "after epoch \(checkpoint.state.epoch)"
                    : "in epoch \(checkpoint.state.epoch + 1) at step \(Format.integer(checkpoint.state.stepInEpoch))"
                console.line("checkpoint: \(file) (\(network.spec), saved \(position))")
                console.line("data: \(directory): \(Format.integer(test.count)) test images"
                    + (options.corruption.isIdentity ? "" : ", inputs corrupted by \(options.corruption) (the same draws at every evaluation)"))
                for line in EvalCommand.text(result) { console.line(line) }
            }
            if let samples {
                // With --json, standard output holds the one JSON object only.
                let report: (String) -> Void = json ? console.diagnose : console.line
                if let errors { report(try EvalCommand.writeGallery(samples, of: test, to: errors, count: count ?? EvalCommand.defaultCount)) }
                if let confusion { report(try EvalCommand.writeHeatmap(samples.result, to: confusion)) }
            }
            if let png {
                let line = try EvalCommand.writeReconstructions(evaluator.reconstructions(checkpoint.makeModel(), on: test,
                                                                                          count: count ?? EvalCommand.defaultReconstructions),
                                                                 of: test, to: png)
                if json { console.diagnose(line) } else { console.line(line) }
            }
        } catch let failure as ExitCode {
            throw failure
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    /// Loss and accuracy, a per-class table and the confusion matrix, columns aligned (for a loss
    /// that does not classify, loss, MSE and PSNR and their per-class table).
    static func text(_ r: EvaluationResult) -> [String] {
        if let quality = r.reconstruction { return reconstructionText(r, quality) }
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

    /// `loss 0.081234  mse 0.00770  psnr 21.14 dB (10,000 samples)` and a table of the classes'
    /// MSE and PSNR (no PSNR for a label target).
    static func reconstructionText(_ r: EvaluationResult, _ quality: ReconstructionQuality) -> [String] {
        var lines = ["loss \(Format.fixed(r.loss, 6)) \(EpochLine.human(quality)) (\(Format.integer(r.count)) samples)", ""]
        let hasPSNR = quality.psnr != nil
        lines.append(contentsOf: Table.aligned([["class", "mse"] + (hasPSNR ? ["psnr (dB)"] : [])] + r.perClassReconstruction.enumerated().map { c, q in
            ["\(c)", q.map { Format.significant($0.meanSquaredError, 3) } ?? "-"] + (hasPSNR ? [q?.psnr.map { Format.fixed($0, 2) } ?? "-"] : [])
        }))
        return lines
    }

    /// Draws `reconstructions` (images of `set`) to `path`; returns the line that reports it.
    static func writeReconstructions(_ reconstructions: [Reconstruction], of set: ImageSet, to path: String) throws -> String {
        let picture = ReconstructionGrid(reconstructions, height: set.height, width: set.width, zoom: galleryZoom)
        try PNGWriter.write(picture.grid.image, to: path)
        return "\(path): \(picture.grid.image.width)×\(picture.grid.image.height) PNG: the first \(Format.integer(reconstructions.count)) test images, "
            + "one per row: \(picture.columnTitles)"
    }

    /// Draws the `count` worst errors of `samples` (images from `set`) to `path`; returns the line
    /// that reports it.
    static func writeGallery(_ samples: SampleEvaluation, of set: ImageSet, to path: String, count: Int) throws -> String {
        let errors = samples.errors
        let shown = errors.prefix(count).map { outcome in
            ErrorGallery.Entry(image: set.image(outcome.index), label: outcome.label, predicted: outcome.predicted,
                               probability: outcome.probability, index: outcome.index)
        }
        let gallery = ErrorGallery(entries: shown, errorCount: errors.count, sampleCount: set.count, zoom: galleryZoom, columns: galleryColumns)
        try PNGWriter.write(gallery.render(), to: path)
        let size = "\(gallery.width)×\(gallery.height) PNG"
        if errors.isEmpty {
            return "\(path): \(size): no misclassified test images (all \(Format.integer(set.count)) correct)"
        }
        let which = shown.count == errors.count ? "all \(Format.integer(errors.count))" : "the worst \(Format.integer(shown.count)) of \(Format.integer(errors.count))"
        return "\(path): \(size): \(which) misclassified test images (of \(Format.integer(set.count))), highest loss first, "
            + "with true class, predicted class and its probability"
    }

    /// Draws the confusion matrix of `result` to `path`; returns the line that reports it.
    static func writeHeatmap(_ result: EvaluationResult, to path: String) throws -> String {
        let title = "confusion matrix: \(result.count) test images, \(result.accuracy.map(Format.percent) ?? "-") correct"
        let heatmap = ConfusionHeatmap(matrix: result.confusion, title: title)
        try PNGWriter.write(heatmap.render(), to: path)
        return "\(path): \(heatmap.width)×\(heatmap.height) PNG: the confusion matrix of \(heatmap.classes) classes "
            + "(rows true, columns predicted), counts in the cells, colour log(1 + count)"
    }

    /// `loss, accuracy, per_class_accuracy, confusion`; for a loss that does not classify, `loss,
    /// mse, psnr, per_class_mse, per_class_psnr` (no PSNR keys for a label target).
    static func json(_ r: EvaluationResult) -> String {
        if let quality = r.reconstruction {
            let perClass = r.perClassReconstruction
            return JSON.object([
                ("loss", Format.json(r.loss)),
                ("mse", Format.json(quality.meanSquaredError)),
            ] + (quality.psnr.map { [("psnr", Format.json($0))] } ?? []) + [
                ("per_class_mse", JSON.array(perClass.map { JSON.number($0?.meanSquaredError) })),
            ] + (quality.psnr == nil ? [] : [("per_class_psnr", JSON.array(perClass.map { JSON.number($0?.psnr) }))]))
        }
        return JSON.object([
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
