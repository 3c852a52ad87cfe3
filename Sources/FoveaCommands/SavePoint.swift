import Fovea
import Foundation

/// The newest whole checkpoint of a run, and what to do when a save fails.
///
/// A run that cannot save (a full disk, a quota, a file-size limit, a run folder made read-only
/// or removed) stops at once rather than train on with nothing to resume from: the failure is one
/// line naming the file and the reason, then how to resume from the newest checkpoint that is
/// whole on disk (the atomic writer never leaves a torn one), or that none is left.
struct SavePoint {
    /// The newest checkpoint of this run known to be whole: the file it resumed from, then each
    /// `last.fovea` written.
    private(set) var newest: String?

    /// Whether this process writes (rank 0 of a multi-process run, or a single process);
    /// another rank's saves do nothing.
    let writes: Bool

    init(resumedFrom file: String?, writes: Bool = true) {
        newest = file
        self.writes = writes
    }

    /// Runs `save`, which writes `what` (ending with the checkpoint `file` when given); a failure
    /// is rethrown as the line that stops the run.
    mutating func save(_ what: String, checkpoint file: String? = nil, _ save: () throws -> Void) throws {
        guard writes else { return }
        do {
            try save()
        } catch {
            throw CommandFailure(description: "cannot save \(what), so training stops here rather than go on unsaved: \(error); \(resumeHint)")
        }
        if let file { newest = file }
    }

    /// How to go on after a failed save.
    var resumeHint: String {
        guard let newest, FileManager.default.fileExists(atPath: newest) else {
            return "no checkpoint of this run is left to resume from: fix that and start the run again"
        }
        return "once that is fixed, resume from the last one saved: fovea train --resume \(Shell.quoted(newest))"
    }
}
