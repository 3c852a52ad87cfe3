import ArgumentParser
import Fovea

/// `fovea augment-preview`: a PNG contact sheet of training digits and augmented versions of
/// each, so that a user can see what the augmentation flags do.
public struct AugmentPreviewCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "augment-preview",
        abstract: "Write a PNG grid of training images (first column) and augmented versions of each.",
        discussion: """
        Row i shows training sample first+i; column v+1 shows it as epoch v+1 of \
        `fovea train --seed S` with the same augmentation flags would (the same draws, so the \
        preview is exactly what training sees).
        """
    )

    @OptionGroup(title: "Augmentation")
    var augmentation: AugmentationOptions

    @Option(help: "MNIST-style folder (default: data/mnist).")
    var data: String?

    @Option(help: "Number of training images (rows).")
    var samples: Int = 8

    @Option(help: "Augmented versions of each image (columns after the original).")
    var variants: Int = 8

    @Option(help: "Index of the first training image shown.")
    var first: Int = 0

    @Option(help: "Seed of the augmentation draws (as `fovea train --seed`).")
    var seed: UInt64 = 1

    @Option(help: "Enlargement of each image (nearest neighbour), 1…16.")
    var zoom: Int = 3

    @Option(help: ArgumentHelp("The PNG file to write (replaced atomically).", valueName: "file.png"))
    var out: String

    public init() {}

    public mutating func validate() throws {
        try require(samples >= 1 && samples <= 1000, "--samples must be in 1…1000, got \(samples)")
        try require(variants >= 1 && variants <= 100, "--variants must be in 1…100, got \(variants)")
        try require(first >= 0, "--first must be 0 or more, got \(first)")
        try require(zoom >= 1 && zoom <= 16, "--zoom must be in 1…16, got \(zoom)")
        try require(!out.isEmpty, "--out must name a file")
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    /// Runs the command, writing to `console`; failures are reported there as one line and
    /// rethrown as exit code 1.
    public func run(console: Console) throws {
        do {
            try preview(console: console)
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    private func preview(console: Console) throws {
        let directory = try data ?? DataLocation.defaultMNIST()
        let train = try MNISTDataset(directory: directory).train
        guard first + samples <= train.count else {
            throw CommandFailure(description: "--first, --samples: images \(first)…\(first + samples - 1) asked for, the training set has \(train.count) (show fewer)")
        }
        let configuration = try augmentation.configuration()
        let (height, width) = (train.height, train.width)
        let augmenter = Augmenter(configuration: configuration, height: height, width: width)
        var grid = ImageGrid(rows: samples, columns: variants + 1, cellHeight: height, cellWidth: width, zoom: zoom)
        train.withPixels { pixels in
            for row in 0 ..< samples {
                let sample = first + row
                let image = Array(pixels[sample * height * width ..< (sample + 1) * height * width])
                grid.place(image.map(Float.init), row: row, column: 0)
                for variant in 0 ..< variants {
                    let stream = Augmenter.stream(seed: seed, epoch: variant, index: train.indices.lowerBound + sample)
                    grid.place(augmenter.augmented(image, stream: stream), row: row, column: variant + 1)
                }
            }
        }
        try PNGWriter.write(grid.image, to: out)
        console.line("\(out): \(grid.image.width)×\(grid.image.height) PNG, \(samples) training image\(samples == 1 ? "" : "s") "
            + "(\(first)…\(first + samples - 1)) × \(variants) variant\(variants == 1 ? "" : "s"), augmentation \(configuration), seed \(seed)")
    }
}
