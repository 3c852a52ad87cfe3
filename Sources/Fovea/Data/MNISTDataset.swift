import Dispatch
import Foundation

/// An MNIST-style dataset folder (MNIST, Fashion-MNIST, KMNIST…): the four IDX files
/// `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte` and
/// `t10k-labels-idx1-ubyte`, each raw or gzip-compressed (with or without a `.gz` name; the
/// content decides). All four are read and validated before anything else happens.
public struct MNISTDataset: Sendable {
    public let directory: String
    public let train: ImageSet
    public let test: ImageSet

    /// The file names, in the order they are read and reported.
    public static let fileNames = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                   "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    /// Reads and validates the four files of `directory` (in parallel). The first error in the
    /// order of `fileNames` is thrown.
    public init(directory: String, classes: Int = 10) throws {
        let paths = try MNISTDataset.fileNames.map { try MNISTDataset.locate($0, in: directory) }
        let results = ParallelSlots<Result<IDXFile, Error>>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            // Each iteration writes only its own slot.
            results[i] = Result { try IDXFile(contentsOf: paths[i]) }
        }
        let files = try results.values.map { try ($0 ?? .failure(CancellationError())).get() }
        self.directory = directory
        train = try ImageSet(images: files[0], labels: files[1], classes: classes)
        test = try ImageSet(images: files[2], labels: files[3], classes: classes)
        guard train.height == test.height && train.width == test.width else {
            throw IDXError.wrongLayout(file: files[2].path, expected: "images of \(train.height)×\(train.width) like the training set",
                                       found: "\(test.height)×\(test.width)")
        }
    }

    /// The path of `name` in `directory`: the raw file if present, else `name.gz`.
    static func locate(_ name: String, in directory: String) throws -> String {
        let candidates = [name, name + ".gz"].map { (directory as NSString).appendingPathComponent($0) }
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            return path
        }
        throw IDXError.missingFile(directory: directory, names: [name, name + ".gz"])
    }
}

