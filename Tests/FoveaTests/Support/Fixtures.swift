import Foundation
import Fovea

/// Builders for small IDX files and image sets.
enum Fixtures {
    /// An IDX file's bytes: `00 00 type rank`, big-endian dimensions, then `payload`.
    static func idx(type: UInt8 = 0x08, dimensions: [Int], payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
        for d in dimensions {
            bytes += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)]
        }
        return bytes + payload
    }

    /// A labelled set of `count` synthetic `size × size` images of `classes` classes: class `c`
    /// is a bright bar at a position that depends on `c`, plus noise, so that a small network
    /// can learn it.
    static func syntheticSet(count: Int, size: Int = 12, classes: Int = 4, seed: UInt64 = 7) throws -> ImageSet {
        var pixels = [UInt8](repeating: 0, count: count * size * size)
        var labels = [UInt8](repeating: 0, count: count)
        let noise = testValues(count * size * size, seed: seed)
        for n in 0 ..< count {
            let label = (n * 7 + 3) % classes
            labels[n] = UInt8(label)
            for h in 0 ..< size {
                for w in 0 ..< size {
                    let onBar = (w * classes / size) == label && h > 1 && h < size - 2
                    let value = (onBar ? 200 : 30) + Int(noise[(n * size + h) * size + w] * 25)
                    pixels[(n * size + h) * size + w] = UInt8(max(0, min(255, value)))
                }
            }
        }
        let images = try IDXFile(fileBytes: idx(dimensions: [count, size, size], payload: pixels), path: "synthetic-images")
        let labelFile = try IDXFile(fileBytes: idx(dimensions: [count], payload: labels), path: "synthetic-labels")
        return try ImageSet(images: images, labels: labelFile, classes: classes)
    }

    /// The repository's data/mnist folder (tests run from the package root).
    static var mnistDirectory: String { packageRoot.appendingPathComponent("data/mnist").path }

    /// The repository's root folder.
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A fresh empty folder under the temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
