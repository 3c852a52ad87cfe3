import Foundation

/// Writes files so that a reader finds either the old content or all of the new one, whatever
/// happens mid-write (a kill, a crash, a full disk, a power cut): the bytes go to a temporary
/// file in the same folder, `.NAME.tmp-PID`, which is fsynced, renamed over `NAME` (atomic on
/// POSIX file systems), and the folder is fsynced so that the rename itself is durable.
/// A writer killed mid-write leaves only its temporary file behind; the next successful write
/// of the same name removes it (and any other dead writer's of that name), and
/// `removeAbandonedTemporaryFiles(in:)` clears a whole folder's.
public enum AtomicFile {
    /// Replaces (or creates) the file at `path` with `bytes`.
    public static func write(_ bytes: [UInt8], to path: String) throws(CheckpointError) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let temporary = url.deletingLastPathComponent().appendingPathComponent(temporaryName(for: url.lastPathComponent, pid: getpid())).path
        func failure(_ code: Int32, _ step: String) -> CheckpointError {
            .writeFailed(file: path, reason: "\(step): \(String(cString: strerror(code)))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure(errno, "creating \(temporary)") }
        var written = 0
        var code: Int32 = 0
        let injected = FaultInjection.failure(for: path)
        bytes.withUnsafeBytes { buffer in
            // An injected fault strikes halfway, as a disk filling up mid-write would.
            let end = injected == nil ? buffer.count : buffer.count / 2
            while written < buffer.count {
                if let injected, written >= end { code = injected; return }
                let n = Foundation.write(descriptor, buffer.baseAddress! + written, end - written)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { code = n < 0 ? errno : EIO; return }
                written += n
            }
        }
        var step = "writing \(temporary)"
        if code == 0 && fsync(descriptor) != 0 { code = errno; step = "fsync of \(temporary)" }
        if close(descriptor) != 0 && code == 0 { code = errno; step = "closing \(temporary)" }
        if code == 0 && rename(temporary, path) != 0 { code = errno; step = "renaming \(temporary)" }
        guard code == 0 else {
            unlink(temporary)
            throw failure(code, step)
        }
        // Make the rename durable. Some file systems cannot fsync a folder (EINVAL); the file
        // itself is complete either way, so that is not an error.
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
        // An earlier writer of this name killed mid-write (Ctrl-C during a picture, kill -9
        // during a checkpoint) left its temporary file; the file it meant to write is now whole.
        removeAbandonedTemporaryFiles(in: folder.isEmpty ? "." : folder, named: url.lastPathComponent)
    }

    /// Makes writes fail as a full disk or a quota would, for tests: `rule` is asked for every
    /// path written and returns an `errno` (such as `ENOSPC` or `EDQUOT`) for the writes that
    /// should fail halfway through the data, or nil. `nil` (the default) turns injection off.
    /// Process-wide: tests that inject faults name paths of their own folders only.
    public static func injectFailures(_ rule: (@Sendable (_ path: String) -> Int32?)?) {
        FaultInjection.set(rule)
    }

    /// The fault rule, guarded by a lock (writes happen on any thread).
    private enum FaultInjection {
        nonisolated(unsafe) private static var rule: (@Sendable (String) -> Int32?)?
        private static let lock = NSLock()

        static func set(_ new: (@Sendable (String) -> Int32?)?) { lock.withLock { rule = new } }
        static func failure(for path: String) -> Int32? { lock.withLock { rule }?(path) }
    }

    /// `.NAME.tmp-PID`.
    static func temporaryName(for name: String, pid: Int32) -> String {
        ".\(name).tmp-\(pid)"
    }

    /// Deletes the temporary files in `directory` whose writer process no longer exists (it was
    /// killed mid-write), all of them or only those of the file `named`; returns their names.
    /// Files of running processes are left alone.
    @discardableResult
    public static func removeAbandonedTemporaryFiles(in directory: String, named: String? = nil) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let prefix = named.map { "." + $0 + ".tmp-" } ?? "."
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            guard let marker = name.range(of: ".tmp-", options: .backwards),
                  let pid = Int32(name[marker.upperBound...]), pid > 0 else { continue }
            let running = kill(pid, 0) == 0 || errno == EPERM
            if !running && unlink((directory as NSString).appendingPathComponent(name)) == 0 {
                removed.append(name)
            }
        }
        return removed.sorted()
    }
}
