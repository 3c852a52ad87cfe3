import ArgumentParser
import Fovea
import Foundation

/// `fovea predict CHECKPOINT IMAGE...`: the most probable classes of each image. Pictures (PNG,
/// JPEG, PGM/PPM) go through `DigitPreprocessing` first, the steps MNIST itself was made with;
/// IDX files hold samples in a dataset's format already and are used as they are.
public struct PredictCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify your own images: PNG, JPEG, PGM/PPM (preprocessed as MNIST was) or IDX files.",
        discussion: """
            Each picture is made into an MNIST-style input: grayscale; inverted when its background \
            (the median of its border pixels) is light; background subtracted and contrast stretched; \
            cropped to the ink (pixels at or above Otsu's threshold); scaled to fit 20×20 (for a 28×28 \
            model) with its aspect ratio kept; placed in the model's input size with its centre of mass \
            on the middle pixel (14, 14 for 28×28), where MNIST's digits have theirs. IDX files ([N, H, W] or [H, W] unsigned bytes, raw or gzip) are used as they \
            are. Prints one line per image: its top classes with their probabilities. An image that \
            cannot be read or used is reported on standard error and skipped; the exit status is then 1.
            """
    )

    @Argument(help: "A checkpoint (.fovea) of a classifier, written by fovea train.")
    var checkpoint: String

    @Argument(help: "Images: PNG (any colour type and depth), JPEG, PGM/PPM/PBM, or IDX files of images.")
    var images: [String]

    @Option(help: ArgumentHelp("How many of the most probable classes to print (1 to the number of classes).", valueName: "k"))
    var top = 3

    @Flag(help: "Use pictures as they are (grayscale only): they must have the model's input size and MNIST's polarity (light digit on black).")
    var raw = false

    @Option(help: ArgumentHelp("Folder to write what the network saw, one PNG per image (created if missing).", valueName: "dir"))
    var savePreprocessed: String?

    @Flag(help: "Print one JSON object per image: file, index (IDX), top classes and probabilities, the preprocessing steps' findings.")
    var json = false

    public init() {}

    public mutating func validate() throws {
        guard !images.isEmpty else { throw ValidationError("give at least one image after the checkpoint") }
        guard (1 ... 1000).contains(top) else { throw ValidationError("--top must be 1…1000, got \(top)") }
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    /// One image to classify: where it came from, what the network sees, and the report of the
    /// preprocessing (nil when used as it is).
    struct Sample {
        let name: String
        let file: String
        let index: Int?
        let input: GrayscaleImage
        let report: DigitPreprocessing.Report?
    }

    public func run(console: Console) throws {
        var failed = false
        do {
            let checkpoint = try CheckpointReader.read(self.checkpoint)
            let predictor = try Predictor(model: checkpoint.makeModel())
            let shape = checkpoint.network.inputShape
            guard shape.channels == 1 else {
                throw CommandFailure(description: "\(self.checkpoint): the model takes \(shape.channels)-channel inputs; fovea predict makes 1-channel images")
            }
            let top = min(self.top, checkpoint.network.classes)
            var samples: [Sample] = []
            for path in images {
                do {
                    samples += try prepare(path, shape: shape, predictor: predictor)
                } catch {
                    console.diagnose("fovea: \(error)")
                    failed = true
                }
            }
            if let folder = savePreprocessed { try save(samples, in: folder, console: console) }
            let probabilities = try predictor.probabilities(samples.map(\.input))
            for (sample, probabilities) in zip(samples, probabilities) {
                let ranking = Predictor.ranking(probabilities, count: top)
                console.line(json ? PredictCommand.json(sample, ranking) : PredictCommand.text(sample, ranking))
            }
        } catch let failure as ExitCode {
            throw failure
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
        if failed { throw ExitCode.failure }
    }

    /// The samples of the file at `path`, preprocessed unless they come from an IDX file or
    /// `--raw` is given.
    func prepare(_ path: String, shape: FeatureShape, predictor: Predictor) throws -> [Sample] {
        let (format, pictures) = try ImageFile.read(path)
        let name = (path as NSString).lastPathComponent
        return try pictures.enumerated().map { index, picture in
            let label = format == .idx ? "\(path)[\(index)]" : path
            if format.isPicture && !raw {
                let (input, report) = try DigitPreprocessing.run(picture, height: shape.height, width: shape.width, file: path)
                return Sample(name: name, file: path, index: nil, input: input, report: report)
            }
            guard predictor.accepts(picture) else {
                throw ImageError.wrongSize(file: label, width: picture.width, height: picture.height, expected: shape)
            }
            return Sample(name: name, file: path, index: format == .idx ? index : nil, input: picture, report: nil)
        }
    }

    /// Writes each sample's input as `NAME.png` in `folder` (`NAME-N.png` for image `N` of an IDX
    /// file; `-2`, `-3`… appended when two inputs share a name).
    func save(_ samples: [Sample], in folder: String, console: Console) throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(description: "--save-preprocessed: cannot create \(folder): \(error.localizedDescription)")
        }
        var used = Set<String>()
        for sample in samples {
            var stem = (sample.name as NSString).deletingPathExtension
            if let index = sample.index { stem += "-\(index)" }
            var name = stem + ".png", copy = 1
            while used.contains(name) {
                copy += 1
                name = "\(stem)-\(copy).png"
            }
            used.insert(name)
            try PNGWriter.write(sample.input, to: (folder as NSString).appendingPathComponent(name))
        }
        console.diagnose("wrote \(samples.count) preprocessed image\(samples.count == 1 ? "" : "s") to \(folder)")
    }

    /// `digit.png: 7 98.12%  1 1.20%  9 0.41%`.
    static func text(_ sample: Sample, _ ranking: Predictor.Ranking) -> String {
        let label = sample.index.map { "\(sample.file)[\($0)]" } ?? sample.file
        return "\(label): " + ranking.classes.map { "\($0.index) \(Format.percent($0.probability))" }.joined(separator: "  ")
    }

    static func json(_ sample: Sample, _ ranking: Predictor.Ranking) -> String {
        var fields: [(String, String)] = [("file", JSON.string(sample.file))]
        if let index = sample.index { fields.append(("index", "\(index)")) }
        fields.append(("top", JSON.array(ranking.classes.map {
            JSON.object([("class", "\($0.index)"), ("probability", Format.json($0.probability))])
        })))
        if let report = sample.report {
            func rect(_ r: DigitPreprocessing.PixelRect) -> String { JSON.array(["\(r.x)", "\(r.y)", "\(r.width)", "\(r.height)"]) }
            fields.append(("preprocessing", JSON.object([
                ("background", "\(report.background)"), ("inverted", "\(report.inverted)"), ("threshold", "\(report.threshold)"),
                ("crop", rect(report.crop)), ("placed", rect(report.placed)),
            ])))
        }
        return JSON.object(fields)
    }
}
