import Dispatch
import Foundation

/// Why a training run was asked to stop before its last epoch.
public enum StopReason: Sendable, Equatable {
    /// SIGINT (Ctrl-C): exit status 130.
    case interrupt
    /// SIGTERM: exit status 143.
    case terminate

    var signalName: String { self == .interrupt ? "SIGINT" : "SIGTERM" }
    var exitCode: Int32 { self == .interrupt ? 130 : 143 }
}

/// Turns SIGINT and SIGTERM into a stop request that the training loop polls between steps.
/// The first signal only sets the request (the run finishes its step, saves `last.fovea` and
/// exits); a second one ends the process at once, without touching any checkpoint (a write in
/// progress goes to a temporary file, so the previous checkpoint stays whole).
///
/// The signals' default actions are ignored while the monitor lives, and Dispatch delivers them
/// to a handler on its own queue, outside signal context.
final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var reason: StopReason?
    private var sources: [DispatchSourceSignal] = []

    /// Starts listening; `notice` is called (on a Dispatch queue) with what the first signal does.
    init(notice: @escaping @Sendable (String) -> Void) {
        for (number, reason) in [(SIGINT, StopReason.interrupt), (SIGTERM, .terminate)] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self, source] in
                // `data` counts the signals since the last call: two quick Ctrl-Cs arrive as 2.
                guard let self, self.record(reason) == nil, source.data < 2 else { _exit(reason.exitCode) }
                notice("fovea: \(reason.signalName): stopping after this step to save last.fovea (\(reason == .interrupt ? "Ctrl-C" : "signal") again to quit at once without saving)")
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Sets the request if none was set; returns the previous one.
    private func record(_ new: StopReason) -> StopReason? {
        lock.withLock {
            let previous = reason
            if previous == nil { reason = new }
            return previous
        }
    }

    /// The stop requested so far, if any.
    var requested: StopReason? { lock.withLock { reason } }

    /// Stops listening and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
