import Foundation

/// The Gaussian-blob exercise's data: square grayscale images of one 2-D Gaussian blob each,
/// `G(x, y) = exp(−((x − x₀)² + (y − y₀)²) / (2σ²))`, in two classes that differ in the width σ,
/// written as an MNIST-style folder (`fovea make-dataset gaussians`).
///
/// Sample `n` of a split (train or test) is drawn as follows, every number from a
/// `RandomStream` keyed by (seed, `.dataset`, split, …), so that the bytes do not depend on the
/// machine's thread count or on any other sample:
/// - **label**: the split's labels are ⌈count/2⌉ zeros and ⌊count/2⌋ ones in a random order
///   (a Fisher–Yates permutation keyed by (seed, split)): the classes are balanced exactly;
/// - **centre** `x₀, y₀` (pixel coordinates, pixel `(h, w)` sits at `x = w, y = h`): each uniform
///   in `[m, size − 1 − m]` with the margin `m = ⌊size / 6⌋` (15 px for 91), continuous;
/// - **width** `σ = σ_label · (1 + 0.05·(2u − 1))`, `u` uniform in [0, 1): the class width with a
///   jitter of ±5 %;
/// - **pixel** `p = clamp(round(255 · (G(w, h) + noise · z)), 0, 255)` with `z` a standard normal
///   draw per pixel (Box–Muller), `noise` the standard deviation as a fraction of full scale,
///   rounding half away from zero. With `noise` 0 no draw is made and `p = round(255 · G)`.
///
/// Everything is computed in `Double` with the platform's `exp`, `log` and `cos`; the images are
/// byte-identical for the same settings on any machine whose libm gives the same results (glibc's
/// do on every x86-64 and arm64 Linux), and the gzip files as long as zlib's deflate is the same
/// version too.
public struct GaussianBlobs: Hashable, Sendable {
    /// Side of the square images, in pixels (`limits.size`).
    public let size: Int
    /// The two class widths σ in pixels: class 0 and class 1.
    public let sigmas: [Double]
    /// Standard deviation of the added Gaussian noise, as a fraction of full scale (255).
    public let noise: Double
    public let seed: UInt64
    /// Images in the training split (`train-*` files) and in the test split (`t10k-*`).
    public let trainCount: Int
    public let testCount: Int

    /// Relative jitter of σ: each image's width is its class width times `1 ± jitter` (uniform).
    public static let jitter = 0.05
    /// The accepted image sides.
    public static let sizes = 8 ... 512
    /// The most bytes one images file may hold (512 MiB: 60,000 images of 91 × 91 fit).
    public static let maximumImageBytes = 512 << 20
    /// The largest accepted noise level.
    public static let maximumNoise = 10.0

    /// The settings, checked: each bad value is refused with a line naming its flag.
    public init(size: Int, sigmas: [Double], noise: Double, seed: UInt64, trainCount: Int, testCount: Int) throws(GaussianBlobsError) {
        guard GaussianBlobs.sizes.contains(size) else {
            throw .invalid(flag: "--size", "must be \(GaussianBlobs.sizes.lowerBound)…\(GaussianBlobs.sizes.upperBound) pixels, got \(size)")
        }
        guard sigmas.count == 2, sigmas.allSatisfy({ $0.isFinite && $0 > 0 && $0 <= Double(size) }) else {
            throw .invalid(flag: "--sigma", "must be two widths in pixels, A,B, each above 0 and at most the image size \(size), got \(sigmas.map { "\($0)" }.joined(separator: ","))")
        }
        guard noise.isFinite && noise >= 0 && noise <= GaussianBlobs.maximumNoise else {
            throw .invalid(flag: "--noise", "must be a number from 0 to \(Int(GaussianBlobs.maximumNoise)) (the noise's standard deviation as a fraction of full scale, e.g. 0.2), got \(noise)")
        }
        let limit = GaussianBlobs.maximumImageBytes / (size * size)
        for (flag, count) in [("--count", trainCount), ("--test-count", testCount)] {
            guard count >= 1 else { throw .invalid(flag: flag, "must be at least 1, got \(count)") }
            guard count <= limit else {
                throw .invalid(flag: flag, "\(count) images of \(size)×\(size) would be more than the \(GaussianBlobs.maximumImageBytes >> 20) MiB an images file may hold (at most \(limit) at this size; use a smaller \(flag) or --size)")
            }
        }
        self.size = size
        self.sigmas = sigmas
        self.noise = noise
        self.seed = seed
        self.trainCount = trainCount
        self.testCount = testCount
    }

    /// A split of the data set: its images and its file names' prefix.
    public enum Split: UInt64, Sendable, CaseIterable {
        case train = 0
        case test = 1

        /// `train` or `t10k`, as MNIST names its files.
        public var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// The number of images in `split`.
    public func count(_ split: Split) -> Int { split == .train ? trainCount : testCount }

    /// The margin `m`: centres lie in `[m, size − 1 − m]` on both axes.
    public var margin: Int { size / 6 }

    /// The random stream of `split`: `.child(0)` orders its labels, `.child(1).child(n)` draws
    /// sample `n`.
    func stream(_ split: Split) -> RandomStream {
        RandomStream(seed: seed, purpose: .dataset, split.rawValue)
    }

    /// The labels of `split`, `[count]`: ⌈count/2⌉ zeros and ⌊count/2⌋ ones in a random order.
    public func labels(_ split: Split) -> [UInt8] {
        let count = count(split)
        let zeros = (count + 1) / 2
        return randomPermutation(count: count, stream: stream(split).child(0)).map { $0 < zeros ? 0 : 1 }
    }

    /// The blob of sample `index` of `split` with label `label`: its centre (pixels) and width.
    public func blob(_ split: Split, index: Int, label: UInt8) -> (x: Double, y: Double, sigma: Double) {
        let s = stream(split).child(1).child(UInt64(index))
        func unit(_ counter: UInt64) -> Double { Double(s.bits(counter) >> 11) * 0x1p-53 }  // [0, 1)
        let low = Double(margin), span = Double(size - 1 - 2 * margin)
        let sigma = sigmas[Int(min(label, 1))] * (1 + GaussianBlobs.jitter * (2 * unit(2) - 1))
        return (low + span * unit(0), low + span * unit(1), sigma)
    }

    /// Draws sample `index` of `split` (label `label`) into `pixels`, `[size, size]` row-major.
    /// Allocates nothing.
    public func render(_ split: Split, index: Int, label: UInt8, into pixels: UnsafeMutablePointer<UInt8>) {
        let (x0, y0, sigma) = blob(split, index: index, label: label)
        let noiseStream = stream(split).child(1).child(UInt64(index)).child(0)
        let scale = -1 / (2 * sigma * sigma)
        for h in 0 ..< size {
            let dy = Double(h) - y0
            for w in 0 ..< size {
                let dx = Double(w) - x0
                var value = exp((dx * dx + dy * dy) * scale)
                if noise > 0 { value += noise * noiseStream.normal(UInt64(h * size + w)) }
                pixels[h * size + w] = UInt8(min(255, max(0, (255 * value).rounded(.toNearestOrAwayFromZero))))
            }
        }
    }

    /// The images of `split`, `[count, size, size]`, drawn on `threads` threads (the bytes do not
    /// depend on it), and their labels.
    public func make(_ split: Split, threads: Int) -> (images: [UInt8], labels: [UInt8]) {
        let labels = labels(split)
        let sampleSize = size * size
        var images = [UInt8](repeating: 0, count: labels.count * sampleSize)
        images.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let target = SendablePointer(base)
            // Parallel over samples: sample n writes only its own image's bytes.
            Parallel.forRanges(count: labels.count, workers: threads) { range in
                for n in range { render(split, index: n, label: labels[n], into: target.pointer + n * sampleSize) }
            }
        }
        return (images, labels)
    }

    /// The names of the four files written, in order.
    public static let fileNames = MNISTDataset.fileNames.map { $0 + ".gz" }

    /// Writes the data set to `directory` as MNIST's four gzip-compressed IDX files
    /// (`MNISTDataset.fileNames` + `.gz`), each atomically, creating the folder if missing.
    /// An existing folder must be empty unless `force`: then any earlier copy of the four files,
    /// raw or `.gz`, is deleted first, so that the folder never holds files of two data sets
    /// (a run killed halfway leaves some of the four missing, which `MNISTDataset` refuses).
    /// Other files in it are left alone.
    public func write(to directory: String, force: Bool, threads: Int) throws(GaussianBlobsError) {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .notAFolder(path: directory) }
            let entries: [String]
            do {
                entries = try manager.contentsOfDirectory(atPath: directory).sorted()
            } catch {
                throw .cannotWrite(path: directory, reason: "cannot list it: \(error.localizedDescription)")
            }
            if !entries.isEmpty {
                guard force else { throw .folderNotEmpty(path: directory, entries: entries) }
                for name in MNISTDataset.fileNames.flatMap({ [$0, $0 + ".gz"] }) where entries.contains(name) {
                    let path = (directory as NSString).appendingPathComponent(name)
                    guard unlink(path) == 0 else {
                        throw .cannotWrite(path: path, reason: "cannot delete the earlier file: \(String(cString: strerror(errno)))")
                    }
                }
            }
        } else {
            do {
                try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .cannotWrite(path: directory, reason: "cannot create the folder: \(error.localizedDescription)")
            }
        }
        for split in Split.allCases {
            let (images, labels) = make(split, threads: threads)
            let files = [
                (split.filePrefix + "-images-idx3-ubyte.gz", IDXFile.encode(dimensions: [labels.count, size, size], payload: images)),
                (split.filePrefix + "-labels-idx1-ubyte.gz", IDXFile.encode(dimensions: [labels.count], payload: labels)),
            ]
            for (name, bytes) in files {
                let path = (directory as NSString).appendingPathComponent(name)
                do {
                    try AtomicFile.write(try GzipWriter.compress(bytes), to: path)
                } catch let CheckpointError.writeFailed(_, reason) {
                    throw .cannotWrite(path: path, reason: reason)
                } catch {
                    throw .cannotWrite(path: path, reason: "\(error)")
                }
            }
        }
    }
}

/// Why a Gaussian-blob data set was not made.
public enum GaussianBlobsError: Error, Equatable, CustomStringConvertible {
    /// A setting out of range; `flag` names it as `fovea make-dataset gaussians` does.
    case invalid(flag: String, String)
    /// The output folder exists and holds files (`entries`, sorted), and `--force` was not given.
    case folderNotEmpty(path: String, entries: [String])
    /// The output path exists and is not a folder.
    case notAFolder(path: String)
    /// A file or the folder could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalid(flag, message):
            "\(flag): \(message)"
        case let .folderNotEmpty(path, entries):
            "\(path): the folder is not empty (it holds \(entries.prefix(3).joined(separator: ", "))\(entries.count > 3 ? " and \(entries.count - 3) more" : "")); "
                + "choose a new folder, or pass --force to replace the data set files in it"
        case let .notAFolder(path):
            "\(path): exists and is not a folder (choose another --out)"
        case let .cannotWrite(path, reason):
            "\(path): cannot write: \(reason) (choose a writable --out with free space)"
        }
    }
}
