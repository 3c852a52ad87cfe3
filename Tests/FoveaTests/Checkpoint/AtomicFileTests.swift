import Foundation
import Testing
import Fovea

@Suite struct AtomicFileTests {
    func contents(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    func listing(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
    }

    @Test func createsAndReplacesLeavingNoTemporaryFile() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("last.fovea").path
        try AtomicFile.write([1, 2, 3], to: path)
        #expect(contents(path) == [1, 2, 3])
        try AtomicFile.write(Array(repeating: 7, count: 100_000), to: path)
        #expect(contents(path) == Array(repeating: 7, count: 100_000))
        #expect(listing(folder) == ["last.fovea"])
    }

    /// A failed write leaves the destination as it was.
    @Test func failureLeavesTheOldFile() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The destination is a non-empty folder: the rename fails after the data was written.
        let blocked = folder.appendingPathComponent("best.fovea")
        try FileManager.default.createDirectory(at: blocked, withIntermediateDirectories: false)
        try AtomicFile.write([9], to: blocked.appendingPathComponent("inside").path)
        #expect(throws: CheckpointError.self) { try AtomicFile.write([1, 2, 3], to: blocked.path) }
        #expect(listing(blocked) == ["inside"] && listing(folder) == ["best.fovea"])
        // A folder that does not exist.
        let missing = folder.appendingPathComponent("no/such/folder/last.fovea").path
        #expect(throws: CheckpointError.writeFailed(file: missing, reason: "creating \(folder.path)/no/such/folder/.last.fovea.tmp-\(getpid()): No such file or directory")) {
            try AtomicFile.write([1], to: missing)
        }
    }

    /// Temporary files of writers that no longer run are removed; a running writer's are kept.
    @Test func removesAbandonedTemporaryFiles() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Above Linux's largest process id (2^22), so no such process runs.
        let names = [".last.fovea.tmp-2147483646", ".last.fovea.tmp-\(getpid())", "last.fovea", ".hidden"]
        for name in names {
            #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data([1])))
        }
        #expect(AtomicFile.removeAbandonedTemporaryFiles(in: folder.path) == [".last.fovea.tmp-2147483646"])
        #expect(listing(folder) == [".hidden", ".last.fovea.tmp-\(getpid())", "last.fovea"])
    }

    /// A write of NAME clears the temporary files dead writers of NAME left (a picture
    /// interrupted by Ctrl-C), and no other name's.
    @Test func aWriteRemovesItsNamesAbandonedTemporaryFiles() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in [".grid.png.tmp-2147483646", ".grid.png.tmp-2147483645", ".other.png.tmp-2147483646", ".grid.png.tmp-x"] {
            #expect(FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: Data([1])))
        }
        try AtomicFile.write([1, 2], to: folder.appendingPathComponent("grid.png").path)
        #expect(listing(folder) == [".grid.png.tmp-x", ".other.png.tmp-2147483646", "grid.png"])
    }
}
