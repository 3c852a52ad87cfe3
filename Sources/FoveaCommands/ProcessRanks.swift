import Fovea

/// What a rank other than 0 of a multi-process run prints: nothing. Rank 0 reports for every
/// rank (their figures are the same bits); a rank's own failure is printed by
/// `TrainCommand.run` with its rank.
final class SilentConsole: Console {
    func write(_ text: String) {}
    func diagnose(_ line: String) {}
    var isTerminal: Bool { false }
}

extension ProcessGroup {
    /// The stop request every rank acts on, the same on all: each rank's own (`StopSignals`, one
    /// per process), agreed at the same point of every rank's loop, so that all stop after the
    /// same step. SIGTERM on any rank wins over SIGINT. Every rank must call it at the same
    /// points (the trainer's loop polls it before every step, and once at the end).
    func agreedStop(_ local: StopReason?) -> StopReason? {
        guard size > 1 else { return local }
        let code = maximum(local.map { $0 == .interrupt ? 1 : 2 } ?? 0)
        return code == 0 ? nil : code == 1 ? .interrupt : .terminate
    }

    /// "rank r of P: " before a failure of rank `r > 0`; empty for rank 0 or one process.
    var failurePrefix: String { size > 1 && rank > 0 ? "rank \(rank) of \(size): " : "" }

    /// The header line of a multi-process run.
    var summary: String {
        "processes: \(size) (MPI); rank r computes shards r, r + \(size), … of each step, combined in shard order"
    }
}
