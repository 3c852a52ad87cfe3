import ArgumentParser
import Foundation
import Fovea
import FoveaCommands
import Testing

/// `fovea eval --errors FILE.png [--count N] --confusion FILE.png`: the pictures are read back from
/// the files written (decoded by Fovea's PNG reader) and checked against the evaluation.
@Suite struct EvalPicturesCommandTests {
    /// One epoch on the tiny set, trained once for every test here: its `last.fovea`.
    static let checkpoint = Result { () throws -> String in
        let root = try CommandFixtures.temporaryDirectory(prefix: "fovea-eval-pictures")
        try CommandFixtures.train(["--epochs", "1", "--run-dir", root.path])
        return root.appendingPathComponent("last.fovea").path
    }

    /// Runs `fovea eval` with `arguments`; returns the console.
    @discardableResult
    static func eval(_ arguments: [String]) throws -> CapturingConsole {
        let console = CapturingConsole()
        try EvalCommand.parse(arguments).run(console: console)
        return console
    }

    /// What the library makes of the checkpoint on the tiny test set, computed without the command.
    static func evaluation() throws -> (SampleEvaluation, ImageSet) {
        let checkpoint = try CheckpointReader.read(try EvalPicturesCommandTests.checkpoint.get())
        let test = try MNISTDataset(directory: try CommandFixtures.tinyMNIST()).test
        return (try Evaluator(network: checkpoint.network, threads: 2).evaluateSamples(checkpoint.makeModel(), on: test), test)
    }

    @Test func theGalleryReadsBackFromItsFile() throws {
        let file = try EvalPicturesCommandTests.checkpoint.get()
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let gallery = root.appendingPathComponent("errors.png").path
        let console = try EvalPicturesCommandTests.eval([file, "--errors", gallery, "--count", "7", "--threads", "1"])
        let (evaluation, test) = try EvalPicturesCommandTests.evaluation()
        let errors = evaluation.errors
        try #require(errors.count > 7, "the fixture model should get more than 7 of 200 wrong")
        let picture = try PNGReader.readRGB(gallery)
        // 7 cells of 28·3 = 84 px (wider than any caption) in one row: 2·8 + 7·84 + 6·8 = 652 wide
        // (wider than the title); 54 + (84 + 26) + 8 = 172 tall.
        #expect(picture.width == 652 && picture.height == 172)
        #expect(console.output.hasSuffix("\(gallery): 652×172 PNG: the worst 7 of \(errors.count) misclassified test images (of 200), "
            + "highest loss first, with true class, predicted class and its probability\n"))
        let title = "errors 1-7 of \(errors.count) (200 test images)"
        #expect(BitmapFont.text(in: picture, x: 8, y: 8, count: title.count, scale: 2, ink: ErrorGallery.titleInk) == title)
        for (k, outcome) in errors.prefix(7).enumerated() {
            // Cell k at x = 8 + k·(84 + 8), y = 54; captions from y = 54 + 84 + 3, 8 px apart.
            let x = 8 + k * 92
            let captions = ["true \(outcome.label)", "pred \(outcome.predicted) \(String(format: "%.2f", outcome.probability))", "#\(outcome.index)"]
            for (line, caption) in captions.enumerated() {
                #expect(BitmapFont.text(in: picture, x: x, y: 141 + 8 * line, count: caption.count, ink: ErrorGallery.captionInks[line]) == caption,
                        "error \(k), line \(line)")
            }
            // The image's pixel (row 14, column 9), enlarged three times, is the test image's byte.
            let image = test.image(outcome.index)
            #expect(picture[54 + 14 * 3 + 1, x + 9 * 3 + 2] == RGBColor(gray: image[14, 9]), "error \(k)")
        }
        // Worst first: the outcomes drawn are the highest losses, in order.
        #expect(errors.prefix(7).map(\.loss) == evaluation.samples.filter { !$0.isCorrect }.map(\.loss).sorted(by: >).prefix(7).map { $0 })
    }

    @Test func theHeatmapReadsBackFromItsFile() throws {
        let file = try EvalPicturesCommandTests.checkpoint.get()
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let heatmap = root.appendingPathComponent("confusion.png").path
        let console = try EvalPicturesCommandTests.eval([file, "--confusion", heatmap, "--json"])
        // The JSON object alone on standard output, unchanged; the picture's line on standard error.
        let lines = console.output.split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["loss", "accuracy", "per_class_accuracy", "confusion"])
        let confusion = try #require(object["confusion"] as? [[Int]])
        let picture = try PNGReader.readRGB(heatmap)
        let layout = ConfusionHeatmap(matrix: confusion)
        #expect(picture.width == layout.width && picture.height == layout.height)
        #expect(console.errors == ["\(heatmap): \(layout.width)×\(layout.height) PNG: the confusion matrix of 10 classes (rows true, columns predicted), "
            + "counts in the cells, colour log(1 + count)"])
        let largest = try #require(confusion.joined().max())
        for row in 0 ..< 10 {
            for column in 0 ..< 10 {
                let count = confusion[row][column]
                let at = layout.countOrigin(row: row, column: column)
                let fill = ConfusionHeatmap.color(count: count, largest: largest)
                #expect(BitmapFont.text(in: picture, x: at.x, y: at.y, count: "\(count)".count, scale: 2, ink: ConfusionHeatmap.ink(count: count, on: fill))
                    == "\(count)", "cell (\(row), \(column))")
                let corner = layout.cellOrigin(row: row, column: column)
                #expect(picture[corner.y, corner.x] == fill, "cell (\(row), \(column))")
            }
        }
        // The darkest cell holds the largest count.
        let (maxRow, maxColumn) = try #require((0 ..< 100).map { ($0 / 10, $0 % 10) }.first { confusion[$0.0][$0.1] == largest })
        let corner = layout.cellOrigin(row: maxRow, column: maxColumn)
        #expect(picture[corner.y, corner.x] == RGBColor(hex: 0x08306B))
        let accuracy = try #require(object["accuracy"] as? Double)
        let title = "confusion matrix: 200 test images, \(String(format: "%.2f", accuracy * 100))% correct"
        #expect(BitmapFont.text(in: picture, x: 8, y: 8, count: title.count, ink: ConfusionHeatmap.titleInk) == title)
        let axis = layout.trueTitleOrigin
        #expect(BitmapFont.text(in: picture, x: axis.x, y: axis.y, count: 4, scale: 2, ink: ConfusionHeatmap.labelInk) == "true")
        for c in 0 ..< 10 {
            let label = layout.columnLabelOrigin(c)
            #expect(BitmapFont.text(in: picture, x: label.x, y: label.y, count: 1, scale: 2, ink: ConfusionHeatmap.labelInk) == "\(c)")
        }
    }

    /// The pictures' bytes do not depend on --threads.
    @Test func picturesAreTheSameForAnyThreadCount() throws {
        let file = try EvalPicturesCommandTests.checkpoint.get()
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        var files: [[Data]] = []
        for threads in [1, 2, 3] {
            let gallery = root.appendingPathComponent("errors-\(threads).png"), heatmap = root.appendingPathComponent("confusion-\(threads).png")
            try EvalPicturesCommandTests.eval([file, "--errors", gallery.path, "--confusion", heatmap.path, "--threads", "\(threads)"])
            files.append([try Data(contentsOf: gallery), try Data(contentsOf: heatmap)])
        }
        #expect(files[1] == files[0] && files[2] == files[0])
    }

    /// A test set the model gets entirely right: the gallery says so.
    @Test func noErrors() throws {
        let file = try EvalPicturesCommandTests.checkpoint.get()
        let (evaluation, test) = try EvalPicturesCommandTests.evaluation()
        let right = try #require(evaluation.samples.first { $0.isCorrect })
        // A data folder whose test set is that one image.
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let tiny = URL(fileURLWithPath: try CommandFixtures.tinyMNIST())
        for name in ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"] {
            try FileManager.default.copyItem(at: tiny.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
        try Data(IDXFile.encode(dimensions: [1, 28, 28], payload: test.image(right.index).pixels)).write(to: root.appendingPathComponent("t10k-images-idx3-ubyte"))
        try Data(IDXFile.encode(dimensions: [1], payload: [UInt8(right.label)])).write(to: root.appendingPathComponent("t10k-labels-idx1-ubyte"))
        let gallery = root.appendingPathComponent("errors.png").path
        let console = try EvalPicturesCommandTests.eval([file, "--data", root.path, "--errors", gallery])
        let picture = try PNGReader.readRGB(gallery)
        // "no errors (1 test images)": 25 characters at scale 2, 298 px; 43 px tall.
        #expect(picture.width == 2 * 8 + 298 && picture.height == 43)
        #expect(console.output.hasSuffix("\(gallery): 314×43 PNG: no misclassified test images (all 1 correct)\n"))
        #expect(BitmapFont.text(in: picture, x: 8, y: 8, count: 25, scale: 2, ink: ErrorGallery.titleInk) == "no errors (1 test images)")
        #expect(BitmapFont.text(in: picture, x: 8, y: 28, count: 35, ink: ErrorGallery.legendInk) == "every image is classified correctly")
    }

    @Test(arguments: [
        (["--errors", "e.png", "--count", "0"], "--count must be in 1…10000, got 0"),
        (["--errors", "e.png", "--count", "10001"], "--count must be in 1…10000, got 10001"),
        (["--count", "5"], "--count needs --errors FILE.png or --png FILE.png (it sets how many images they draw)"),
        (["--errors", ""], "--errors must name a file"),
    ])
    func rejectsBadFlags(arguments: [String], message: String) {
        do {
            _ = try EvalCommand.parse(["x.fovea"] + arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(EvalCommand.message(for: error) == message)
        }
    }

    @Test func anUnwritablePathIsOneLineNamingTheFile() throws {
        let file = try EvalPicturesCommandTests.checkpoint.get()
        let target = "/nonexistent-fovea-folder/confusion.png"
        let console = CapturingConsole()
        #expect(throws: ExitCode.failure) { try EvalCommand.parse([file, "--confusion", target]).run(console: console) }
        #expect(console.errors.count == 1)
        #expect(console.errors.first?.hasPrefix("fovea: \(target): cannot write: ") == true)
        #expect(console.errors.first?.hasSuffix("(check that the folder exists and is writable)") == true)
    }

    /// A checkpoint whose loss does not classify (mean squared error) refuses the pictures, naming
    /// the flag, and still evaluates without them.
    @Test func aLossThatDoesNotClassifyIsRefused() throws {
        let root = try CommandFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = try CommandFixtures.tinyMNIST()
        let data = try MNISTDataset(directory: directory)
        let network = try Network(spec: ModelSpec("conv(1,3,pad=1)"), inputShape: data.train.sampleShape, classes: 10, loss: MeanSquaredError.self)
        let model = Model(network: network, normalization: Normalization(statisticsOf: data.train), seed: 1)
        let trainer = Trainer(model: model, options: TrainingOptions(epochs: 1, batchSize: 32, optimizer: Adam(learningRate: 0.001),
                                                                     schedule: LearningRateSchedule(kind: .constant, warmupEpochs: 0), seed: 1),
                              train: data.train, test: data.test, validation: nil, threads: 1)
        let record = TrainingDataRecord(directory: directory, limit: nil, validation: 0, train: DataFingerprint(of: data.train),
                                        validationSet: DataFingerprint(of: nil), test: DataFingerprint(of: data.test))
        let file = root.appendingPathComponent("mse.fovea").path
        try CheckpointWriter.write(Checkpoint(trainer: trainer, data: record, history: RunHistory()), to: file)
        for flag in ["--errors", "--confusion"] {
            let console = CapturingConsole()
            let picture = root.appendingPathComponent("x.png").path
            #expect(throws: ExitCode.failure) { try EvalCommand.parse([file, flag, picture]).run(console: console) }
            #expect(console.errors == ["fovea: \(flag): \(file): the model's loss, mean squared error, does not classify, so there are no predicted classes to draw (use a checkpoint trained on class labels)"])
            #expect(!FileManager.default.fileExists(atPath: picture))
        }
        let plain = try EvalPicturesCommandTests.eval([file])
        #expect(plain.output.contains("\nloss "))
    }
}
