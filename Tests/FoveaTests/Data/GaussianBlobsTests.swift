import Foundation
import Testing
import Fovea

/// The Gaussian-blob data set: pixels as the formula gives them, balanced labels, the same bytes
/// on every run and thread count, refusals of bad settings and of a folder in use, and a folder
/// `MNISTDataset` reads.
@Suite struct GaussianBlobsTests {
    static func blobs(size: Int = 40, sigmas: [Double] = [2, 4], noise: Double = 0, seed: UInt64 = 7, train: Int = 21, test: Int = 6) throws -> GaussianBlobs {
        try GaussianBlobs(size: size, sigmas: sigmas, noise: noise, seed: seed, trainCount: train, testCount: test)
    }

    /// With noise 0 a pixel is round(255 · exp(−((w − x₀)² + (h − y₀)²) / (2σ²))); the centre lies
    /// within the margin, σ within ±5 % of its class width, and the image's sum is about
    /// 255 · 2πσ² (the blob's volume: it lies inside the image).
    @Test func pixelsFollowTheFormula() throws {
        let blobs = try GaussianBlobsTests.blobs()
        let (images, labels) = blobs.make(.train, threads: 1)
        for n in 0 ..< 4 {
            let (x0, y0, sigma) = blobs.blob(.train, index: n, label: labels[n])
            #expect((6.0 ... 33.0).contains(x0) && (6.0 ... 33.0).contains(y0), "centre (\(x0), \(y0))")
            let width = labels[n] == 0 ? 2.0 : 4.0
            #expect(abs(sigma / width - 1) <= 0.05)
            let (h, w) = (Int(y0.rounded()) + 1, Int(x0.rounded()) - 2)
            let expected = (255 * exp(-((Double(w) - x0) * (Double(w) - x0) + (Double(h) - y0) * (Double(h) - y0)) / (2 * sigma * sigma))).rounded()
            #expect(Double(images[n * 1600 + h * 40 + w]) == expected, "sample \(n) pixel (\(h), \(w))")
            let sum = images[n * 1600 ..< (n + 1) * 1600].reduce(0) { $0 + Double($1) }
            if labels[n] == 0 {
                #expect(abs(sum / (255 * 2 * Double.pi * sigma * sigma) - 1) < 0.02, "sample \(n): sum \(sum), σ \(sigma)")
            }
        }
        // By hand: the first sample's brightest pixel is its centre's nearest, 255 · exp(−d²/(2σ²)) ≥ 255 · e^(−1/(4σ²)).
        let (x0, y0, sigma) = blobs.blob(.train, index: 0, label: labels[0])
        let peak = images[Int(y0.rounded()) * 40 + Int(x0.rounded())]
        #expect(images[0 ..< 1600].max() == peak && Double(peak) >= (255 * exp(-0.25 / (sigma * sigma))).rounded(.down))
    }

    /// ⌈N/2⌉ zeros and ⌊N/2⌋ ones in each split, in an order that is not simply alternating.
    @Test func labelsAreBalanced() throws {
        let blobs = try GaussianBlobsTests.blobs(train: 101, test: 40)
        let train = blobs.labels(.train), test = blobs.labels(.test)
        #expect(train.filter { $0 == 0 }.count == 51 && train.filter { $0 == 1 }.count == 50)
        #expect(test.filter { $0 == 0 }.count == 20 && test.filter { $0 == 1 }.count == 20)
        #expect(train != (0 ..< 101).map { UInt8($0 % 2) } && train != train.sorted())
    }

    /// The same settings give the same images on any thread count; another seed others; noise
    /// changes pixels but not the labels or blobs.
    @Test func deterministicForAnyThreadCount() throws {
        let blobs = try GaussianBlobsTests.blobs(noise: 0.3)
        let one = blobs.make(.test, threads: 1)
        for threads in [2, 3, 8] { #expect(blobs.make(.test, threads: threads) == one, "\(threads) threads") }
        #expect(try GaussianBlobsTests.blobs(noise: 0.3, seed: 8).make(.test, threads: 2).images != one.images)
        let clean = try GaussianBlobsTests.blobs(noise: 0).make(.test, threads: 2)
        #expect(clean.labels == one.labels && clean.images != one.images)
    }

    /// Each bad setting is refused with one line naming its flag.
    @Test(arguments: [
        (7, [2, 4], 0, 21, 6, "--size: must be 8…512 pixels, got 7"),
        (513, [2, 4], 0, 21, 6, "--size: must be 8…512 pixels, got 513"),
        (40, [2], 0, 21, 6, "--sigma: must be two widths in pixels, A,B, each above 0 and at most the image size 40, got 2.0"),
        (40, [2, 0], 0, 21, 6, "--sigma: must be two widths in pixels, A,B, each above 0 and at most the image size 40, got 2.0,0.0"),
        (40, [2, .nan], 0, 21, 6, "--sigma: must be two widths in pixels, A,B, each above 0 and at most the image size 40, got 2.0,nan"),
        (40, [2, 41], 0, 21, 6, "--sigma: must be two widths in pixels, A,B, each above 0 and at most the image size 40, got 2.0,41.0"),
        (40, [2, 4], -0.1, 21, 6, "--noise: must be a number from 0 to 10 (the noise's standard deviation as a fraction of full scale, e.g. 0.2), got -0.1"),
        (40, [2, 4], .infinity, 21, 6, "--noise: must be a number from 0 to 10 (the noise's standard deviation as a fraction of full scale, e.g. 0.2), got inf"),
        (40, [2, 4], 0, 0, 6, "--count: must be at least 1, got 0"),
        (40, [2, 4], 0, 21, -1, "--test-count: must be at least 1, got -1"),
        (91, [2, 4], 0, 70_000, 6,
         "--count: 70000 images of 91×91 would be more than the 512 MiB an images file may hold (at most 64831 at this size; use a smaller --count or --size)"),
    ] as [(Int, [Double], Double, Int, Int, String)])
    func refusesBadSettings(size: Int, sigmas: [Double], noise: Double, train: Int, test: Int, message: String) {
        do {
            _ = try GaussianBlobsTests.blobs(size: size, sigmas: sigmas, noise: noise, train: train, test: test)
            Issue.record("accepted: \(message)")
        } catch {
            #expect("\(error)" == message)
        }
    }

    /// The folder: four gzip files, byte-identical for a second run, that `MNISTDataset` reads
    /// back as the images and labels made; a non-empty folder is refused unless forced, and
    /// forcing removes an earlier raw copy that would otherwise be read instead.
    @Test func writesAFolderMNISTDatasetReads() throws {
        let root = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let blobs = try GaussianBlobsTests.blobs(noise: 0.2)
        let first = root.appendingPathComponent("a/b").path, second = root.appendingPathComponent("c").path
        try blobs.write(to: first, force: false, threads: 2)
        try blobs.write(to: second, force: false, threads: 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: first).sorted() == GaussianBlobs.fileNames.sorted())
        for name in GaussianBlobs.fileNames {
            let a = try Data(contentsOf: URL(fileURLWithPath: first).appendingPathComponent(name))
            let b = try Data(contentsOf: URL(fileURLWithPath: second).appendingPathComponent(name))
            #expect(a == b && a.prefix(2) == Data([0x1f, 0x8b]), "\(name)")
        }
        let dataset = try MNISTDataset(directory: first, classes: 2)
        #expect(dataset.train.count == 21 && dataset.test.count == 6 && dataset.train.height == 40 && dataset.train.width == 40)
        let made = blobs.make(.train, threads: 2)
        #expect(dataset.train.withPixels { Array($0) } == made.images)
        #expect((0 ..< 21).map { dataset.train.label($0) } == made.labels)

        #expect(throws: GaussianBlobsError.folderNotEmpty(path: first, entries: GaussianBlobs.fileNames.sorted())) {
            try blobs.write(to: first, force: false, threads: 2)
        }
        let stale = URL(fileURLWithPath: first).appendingPathComponent("train-labels-idx1-ubyte")
        try Data([1, 2, 3]).write(to: stale)
        let other = try GaussianBlobsTests.blobs(seed: 9)
        try other.write(to: first, force: true, threads: 2)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(try MNISTDataset(directory: first, classes: 2).train.withPixels { Array($0) } == other.make(.train, threads: 1).images)

        let file = root.appendingPathComponent("file").path
        try Data().write(to: URL(fileURLWithPath: file))
        #expect(throws: GaussianBlobsError.notAFolder(path: file)) { try blobs.write(to: file, force: true, threads: 1) }
    }
}
