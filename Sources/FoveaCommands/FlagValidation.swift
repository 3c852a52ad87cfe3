import ArgumentParser
import Foundation
import Fovea

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

/// `--memory-budget`: the most memory a training run may take. The trainer's estimate
/// (`Trainer.estimatedBytes`: the shards' gradient buffers, the optimizer's state, the
/// workspaces, the batches) is checked against it before anything is allocated, so that a large
/// `--batch-size` or model is refused with one line instead of failing to allocate or swapping.
/// Default: half of the machine's physical memory.
enum MemoryBudget {
    static let gibibyte = 1_073_741_824.0

    static var defaultGiB: Double { Double(ProcessInfo.processInfo.physicalMemory) / 2 / gibibyte }

    /// Per process: across `processes` ranks each holds its share of the shards.
    static func check(network: Network, batchSize: Int, threads: Int, optimizer: any Optimizer, budget: Double?, processes: Int = 1) throws {
        let limit = budget ?? defaultGiB
        let needed = Trainer.estimatedBytes(network: network, batchSize: batchSize, threads: threads,
                                            optimizerStateTensors: type(of: optimizer).stateNames.count, processes: processes) / gibibyte
        guard needed > limit else { return }
        let source = budget == nil ? "half of this machine's memory; raise it with --memory-budget GiB" : "--memory-budget"
        throw CommandFailure(description: "--batch-size \(batchSize): training would take about \(Format.fixed(needed, 1)) GiB, "
            + "more than the memory budget of \(Format.fixed(limit, 1)) GiB (\(source)); use a smaller --batch-size")
    }
}
