import ArgumentParser
import Foundation

/// For `validate()`: throws a usage error with `message` (one sentence naming the flag) unless
/// `condition` holds.
func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
    if !condition { throw ValidationError(message()) }
}

/// `--threads`: the count given, or every core. Above `limit` (four per core, at least 8) it is
/// lowered to the limit with a note on standard error: each worker keeps its own workspace, so
/// thousands of them only cost memory and time, and no result depends on the count.
enum ThreadCount {
    static var limit: Int { max(8, 4 * ProcessInfo.processInfo.activeProcessorCount) }

    static func resolve(_ given: Int?, console: Console) -> Int {
        guard let given else { return ProcessInfo.processInfo.activeProcessorCount }
        guard given > limit else { return given }
        console.diagnose("fovea: note: --threads \(given) is more than \(limit) (four per core on this machine); using \(limit) (results do not depend on it)")
        return limit
    }
}
