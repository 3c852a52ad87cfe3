import Foundation
import Fovea

/// Where `fovea` finds its data: the MNIST copy that ships with it, or a checkpoint's folder.
enum DataLocation {
    /// The folder to read: `given` (`--data`) if any, else the folder a checkpoint `recorded` if
    /// it still exists, else the default MNIST copy.
    static func resolve(given: String?, recorded: String?) throws -> String {
        if let given { return given }
        if let recorded, FileManager.default.fileExists(atPath: recorded) { return recorded }
        return try defaultMNIST()
    }

    /// `path` made absolute and tidied (`..` and `.` removed), as a checkpoint records it.
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// `data/mnist` under the current directory, else under a parent of the executable's folder
    /// (so that `.build/release/fovea` finds the repository's copy from anywhere).
    static func defaultMNIST() throws -> String {
        let relative = "data/mnist"
        var candidates = [relative]
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0 ..< 5 {
            candidates.append(folder.appendingPathComponent(relative).path)
            folder = folder.deletingLastPathComponent()
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        throw CommandFailure(description: "data/mnist: not found in the current folder or beside the executable (run from the Fovea repository, or pass --data DIR)")
    }
}

extension DataLocation {
    /// A warning line if the `set` ("training set", "test set"…) read from `directory` is not the
    /// one checkpoint `file` recorded, else `nil`.
    static func mismatchWarning(_ set: String, directory: String, file: String, recorded: DataFingerprint, actual: DataFingerprint,
                                consequence: String) -> String? {
        guard recorded != actual else { return nil }
        func describe(_ f: DataFingerprint) -> String { "\(Format.integer(f.count)) images, sha256 \(f.shortHex)…" }
        return "fovea: warning: \(directory): the \(set) differs from the one \(file) recorded (\(describe(recorded)); here \(describe(actual))); \(consequence)"
    }
}
