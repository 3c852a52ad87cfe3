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
/// exits; before the first step, it saves nothing); a second one ends the process at once,
/// without touching any checkpoint (a write in progress goes to a temporary file, so the
/// previous checkpoint stays whole; the next run in the folder removes that file).
///
/// Dispatch delivers the signals to a handler on its own queue, outside signal context. On
/// Linux, Dispatch installs its own signal action when it registers a source (on its manager
/// thread, shortly after `init`); until then a signal keeps its default action and ends the
/// process, before anything is written. (Setting `SIG_IGN` first, as Darwin's kqueue needs,
/// would instead lose a signal that arrives in that moment.)
final class StopSignals: @unchecked Sendable {
    private let lock = NSLock()
    /// Guarded by `lock`.
    private var reason: StopReason?
    /// Whether training has begun (the notice says what the stop will do). Guarded by `lock`.
    private var training = false
    private var sources: [DispatchSourceSignal] = []

    /// Starts listening; `notice` is called (on a Dispatch queue) with what the first signal does.
    init(notice: @escaping @Sendable (String) -> Void) {
        for (number, reason) in [(SIGINT, StopReason.interrupt), (SIGTERM, .terminate)] {
            #if canImport(Darwin)
            signal(number, SIG_IGN)
            #endif
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self, source] in
                // `data` counts the signals since the last call: two quick Ctrl-Cs arrive as 2.
                guard let self, self.record(reason) == nil, source.data < 2 else { _exit(reason.exitCode) }
                let again = reason == .interrupt ? "Ctrl-C" : "signal"
                notice(self.lock.withLock { self.training }
                    ? "fovea: \(reason.signalName): stopping after this step to save last.fovea (\(again) again to quit at once without saving)"
                    : "fovea: \(reason.signalName): stopping before training starts (\(again) again to quit at once)")
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

    /// Says that training begins: a stop from now on saves `last.fovea` (the notice says so).
    func trainingStarts() { lock.withLock { training = true } }

    /// Stops listening and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        sources = []
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
