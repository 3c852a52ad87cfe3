import ArgumentParser
import Fovea
import Foundation

/// `fovea make-dataset`: writes synthetic data sets as MNIST-style folders.
public struct MakeDatasetCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "make-dataset",
        abstract: "Write a synthetic data set as an MNIST-style folder (gzip IDX files).",
        subcommands: [GaussiansCommand.self]
    )

    public init() {}
}

/// `fovea make-dataset gaussians --out DIR`: the Gaussian-blob exercise's images
/// (`GaussianBlobs`), two classes of blob width.
public struct GaussiansCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gaussians",
        abstract: "Images of one 2-D Gaussian blob each, two classes of width σ, for the GausNet exercise.",
        discussion: """
        Each image is G(x, y) = exp(−((x−x₀)² + (y−y₀)²) / (2σ²)) scaled to 0…255, plus Gaussian \
        noise of standard deviation --noise × 255, clamped and rounded. Class 0 has width A and \
        class 1 width B (--sigma A,B), each image's σ jittered uniformly by ±\(Int(GaussianBlobs.jitter * 100)) %; \
        the centre is uniform within a margin of size/6 pixels from the edges; the labels are \
        balanced (a random order of ⌈N/2⌉ zeros and ⌊N/2⌋ ones). Every draw comes from --seed, \
        keyed by split and sample, so the same flags give byte-identical files on any machine and \
        thread count. Writes train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, \
        t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz, each atomically; train on them \
        with: fovea train --data DIR --model gausnet --loss bce
        """
    )

    @Option(help: "The folder to write (created if missing; it must be empty unless --force).")
    var out: String

    @Option(help: "Training images. (default: \(Defaults.count))")
    var count: Int = Defaults.count

    @Option(name: .customLong("test-count"), help: "Test images. (default: a fifth of --count, at least 1)")
    var testCount: Int?

    @Option(help: "Image side in pixels, \(GaussianBlobs.sizes.lowerBound)…\(GaussianBlobs.sizes.upperBound). (default: \(Defaults.size))")
    var size: Int = Defaults.size

    @Option(help: ArgumentHelp("The blob widths σ of class 0 and class 1, in pixels. (default: \(Defaults.sigma))", valueName: "A,B"))
    var sigma: String = Defaults.sigma

    @Option(help: "Standard deviation of the added Gaussian noise, as a fraction of full scale. (default: \(Defaults.noise))")
    var noise: Double = Defaults.noise

    @Option(help: "Seed of every random draw. (default: \(Defaults.seed))")
    var seed: UInt64 = Defaults.seed

    @Option(help: "Worker threads (default: all cores). The files do not depend on it.")
    var threads: Int?

    @Flag(help: "Write into a folder that is not empty: the four data set files there (raw or .gz) are replaced; other files are left alone.")
    var force = false

    enum Defaults {
        static let count = 10_000
        static let size = 91
        static let sigma = "20,27"
        static let noise = 0.2
        static let seed: UInt64 = 1
    }

    public init() {}

    /// `--sigma A,B` as two numbers (not checked further: `GaussianBlobs` does).
    static func widths(_ text: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let values = parts.compactMap(Double.init)
        guard values.count == parts.count else {
            throw ValidationError("--sigma: must be two widths in pixels, A,B (e.g. \(Defaults.sigma)), got '\(text)'")
        }
        return values
    }

    /// The settings, checked.
    func settings() throws -> GaussianBlobs {
        try GaussianBlobs(size: size, sigmas: GaussiansCommand.widths(sigma), noise: noise, seed: seed,
                          trainCount: count, testCount: testCount ?? max(1, count / 5))
    }

    public mutating func validate() throws {
        try require(!out.isEmpty, "--out must name a folder")
        try require((threads ?? 1) >= 1, "--threads must be at least 1, got \(threads ?? 0)")
        do {
            _ = try settings()
        } catch let error as GaussianBlobsError {
            throw ValidationError(error.description)
        }
    }

    public func run() throws {
        try run(console: StandardConsole())
    }

    public func run(console: Console) throws {
        do {
            let blobs = try settings()
            let threads = ThreadCount.resolve(threads, console: console)
            try blobs.write(to: out, force: force, threads: threads)
            console.line("\(out): \(Format.integer(blobs.trainCount)) training and \(Format.integer(blobs.testCount)) test images \(blobs.size)×\(blobs.size) "
                + "of one Gaussian blob each: class 0 σ \(Format.rate(blobs.sigmas[0])) px, class 1 σ \(Format.rate(blobs.sigmas[1])) px "
                + "(±\(Int(GaussianBlobs.jitter * 100)) %), noise \(Format.rate(blobs.noise)), seed \(blobs.seed)")
            console.line("wrote \(GaussianBlobs.fileNames.joined(separator: ", "))")
        } catch let failure as ExitCode {
            throw failure
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }
}
