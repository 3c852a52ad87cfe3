import Fovea
import Foundation

/// The folder of one training run: `last.fovea` (every epoch and every `--save-every` steps),
/// `best.fovea` (best validation, else test, accuracy), `epoch-NNNN.fovea` (the last `--keep`
/// epochs) and `metrics.csv` (one row per epoch). Every file is replaced atomically.
///
/// One run at a time: `prepare` takes an exclusive `flock` on `.fovea-run.lock` in the folder,
/// held until this value goes away or the process dies (the kernel releases it then, even after
/// a kill), so a second `fovea train` pointed at a folder a live run is using refuses instead of
/// both writing `last.fovea`.
final class RunDirectory {
    let path: String
    /// The open lock file; closing it releases the lock.
    private let lock: Int32
    /// The folders `prepare` created for this run, outermost first (none if `path` existed).
    private let created: [String]

    private init(path: String, lock: Int32, created: [String]) {
        self.path = path
        self.lock = lock
        self.created = created
    }

    deinit { if lock >= 0 { close(lock) } }

    /// The run folder as a rank other than 0 of a multi-process run names it: never created,
    /// locked or written (rank 0 does all that).
    static func unwritten(_ path: String) -> RunDirectory {
        RunDirectory(path: path, lock: -1, created: [])
    }

    /// The lock file's name in the run folder.
    static let lockName = ".fovea-run.lock"

    var last: String { file("last.fovea") }
    var best: String { file("best.fovea") }
    var metrics: String { file("metrics.csv") }

    func epochFile(_ epoch: Int) -> String {
        file("epoch-" + String(epoch).leftPadded(to: 4) + ".fovea")
    }

    private func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// `runs/<date-time>` under the current folder, e.g. `runs/2026-11-21_09-30-12`, with `-2`,
    /// `-3`… appended if a run started in the same second.
    static func defaultPath(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd_HH-mm-ss"
        let base = "runs/" + formatter.string(from: now)
        var candidate = base
        var n = 2
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = "\(base)-\(n)"
            n += 1
        }
        return candidate
    }

    /// Creates the folder if needed and proves that files can be created in it, before any
    /// training starts. `source` names where the path came from in errors (`--run-dir DIR`).
    /// Takes the exclusive lock on the open `lock` file without waiting, except for one case: a
    /// lock last held by this very process (the lock file names its holder) may still be held for
    /// a moment by a child process it forked, which shares the lock until its `exec` closes the
    /// descriptor (`O_CLOEXEC`); that is retried for up to a second. Returns whether the lock is
    /// held; `errno` tells why not.
    private static func lockExclusively(_ lock: Int32, path: String) -> Bool {
        for _ in 0 ..< 100 {
            if flock(lock, LOCK_EX | LOCK_NB) == 0 { return true }
            let code = errno
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            guard code == EWOULDBLOCK, holder == String(getpid()) else {
                errno = code
                return false
            }
            usleep(10_000)
        }
        errno = EWOULDBLOCK
        return false
    }

    static func prepare(_ path: String, source: String, hint: String) throws -> RunDirectory {
        func failure(_ what: String, _ code: Int32) -> CommandFailure {
            CommandFailure(description: "\(source): \(what): \(String(cString: strerror(code))) (\(hint))")
        }
        var isDirectory: ObjCBool = false
        var created: [String] = []
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { throw failure("cannot use it as the run folder", ENOTDIR) }
        } else {
            let code = RunDirectory.makeDirectories(path, created: &created)
            if code != 0 { throw failure("cannot create the folder", code) }
        }
        // Named like a temporary file, so that a probe left by a killed run is cleared like one.
        let probe = (path as NSString).appendingPathComponent(".write-check.tmp-\(getpid())")
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot write there", errno) }
        let written = write(descriptor, "ok", 2)
        let code = errno
        close(descriptor)
        unlink(probe)
        guard written == 2 else { throw failure("cannot write there", written < 0 ? code : ENOSPC) }
        let lockPath = (path as NSString).appendingPathComponent(lockName)
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw failure("cannot write there", errno) }
        guard RunDirectory.lockExclusively(lock, path: lockPath) else {
            let code = errno
            let holder = (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(lock)
            guard code == EWOULDBLOCK else { throw failure("cannot lock the folder", code) }
            throw CommandFailure(description: "\(source): another fovea train\(holder.isEmpty ? "" : " (process \(holder))") is using this run folder (wait for it to finish, or choose another --run-dir)")
        }
        // The holder's process id, for the message above (informative only: the lock decides).
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(lock, 0)
        _ = pid.withUnsafeBytes { pwrite(lock, $0.baseAddress, $0.count, 0) }
        AtomicFile.removeAbandonedTemporaryFiles(in: path)
        return RunDirectory(path: path, lock: lock, created: created)
    }

    /// `mkdir -p path`: 0, or the `errno` of the first folder that could not be made; the
    /// folders it made are appended to `created`.
    private static func makeDirectories(_ path: String, created: inout [String]) -> Int32 {
        var current = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            current += (current.isEmpty || current.hasSuffix("/") ? "" : "/") + component
            if mkdir(current, 0o755) == 0 {
                created.append(current)
            } else if errno != EEXIST {
                return errno
            }
        }
        return 0
    }

    /// For a run stopped before it saved anything: removes the folders `prepare` created for it
    /// (innermost first), as long as they hold nothing but the lock file, so that no empty run
    /// folder is left behind. A folder that existed before is left as it was.
    func removeIfUnused() {
        guard !created.isEmpty else { return }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [RunDirectory.lockName, "?"]
        guard names.allSatisfy({ $0 == RunDirectory.lockName }) else { return }
        unlink(file(RunDirectory.lockName))
        for folder in created.reversed() {
            guard rmdir(folder) == 0 else { break }
        }
    }

    /// Writes the checkpoint of a finished epoch: `epoch-NNNN.fovea` (if `keep > 0`),
    /// `last.fovea`, and `best.fovea` if `isBest`; then deletes epoch files beyond the last `keep`.
    func saveEpoch(_ checkpoint: Checkpoint, isBest: Bool, keep: Int) throws {
        let bytes = try CheckpointWriter.encode(checkpoint, file: last)
        let epoch = checkpoint.state.epoch
        if keep > 0 { try AtomicFile.write(bytes, to: epochFile(epoch)) }
        try AtomicFile.write(bytes, to: last)
        if isBest { try AtomicFile.write(bytes, to: best) }
        guard keep > 0, epoch > keep else { return }
        for old in 1 ... epoch - keep where FileManager.default.fileExists(atPath: epochFile(old)) {
            try? FileManager.default.removeItem(atPath: epochFile(old))
        }
    }
}

/// `metrics.csv`: a header, then one row per finished epoch with the fields of the JSON report.
/// Rewritten whole (atomically) after every epoch.
struct MetricsFile {
    let path: String
    private(set) var header: String?
    private(set) var rows: [String] = []

    /// The rows of an existing file up to and including `epoch` (a resumed run continues its
    /// file; rows of epochs it is about to train again are dropped).
    init(path: String, keepingEpochsThrough epoch: Int) {
        self.path = path
        guard epoch > 0, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        var lines = text.split(separator: "\n").map(String.init)
        guard !lines.isEmpty else { return }
        header = lines.removeFirst()
        rows = lines.filter { line in Int(line.prefix { $0 != "," }).map { $0 <= epoch } ?? false }
    }

    /// Appends the epoch's row and writes the file.
    mutating func append(_ report: EpochReport) throws {
        let fields = EpochLine.fields(report)
        let newHeader = fields.map(\.0).joined(separator: ",")
        if header != newHeader {
            header = newHeader
            rows = []
        }
        rows.append(fields.map(\.1).joined(separator: ","))
        try AtomicFile.write(Array(([newHeader] + rows).map { $0 + "\n" }.joined().utf8), to: path)
    }
}
