import Dispatch
import Foundation
import Synchronization

/// Persistent helper threads for `Parallel.run`, one per core beyond the caller's, that wait for
/// work by spinning (yielding the core to any other runnable thread) for a few milliseconds
/// before they park. A training step is one parallel region of about a millisecond followed by a
/// short serial update; `DispatchQueue.concurrentPerform` puts its helper to sleep in between and
/// wakes it again, which cost 100–180 µs a step on the 2-core machine (measured: the workers'
/// summed shard times against the region's wall-clock time). A spinning helper sees new work
/// within microseconds.
///
/// Protocol (all atomics sequentially consistent, so the park/wake handshake cannot lose a wake):
/// the caller publishes the job, bumps `generation`, then for each helper clears its `parked`
/// flag and signals its semaphore if the flag was set; a helper that gives up spinning sets
/// `parked`, re-reads `generation`, and waits only if nothing new came. Every helper then
/// acknowledges the generation through `pending` (running its share if its index is below the
/// job's worker count), and the caller returns only when all have, so no helper ever reads a
/// job after the caller moved on.
final class WorkerPool: @unchecked Sendable {
    /// Helpers for one less than the cores, created on first use.
    static let shared = WorkerPool(helpers: max(0, ProcessInfo.processInfo.activeProcessorCount - 1))

    /// How long a helper spins for the next job before it parks.
    private static let spinSeconds = 0.005

    private final class Helper: Sendable {
        let parked = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
    }

    let helperCount: Int
    private let helpers: [Helper]
    private let busy = Atomic<Bool>(false)
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    /// The current job. Written by the caller before `generation` moves, read by helpers after
    /// they see it move, and left alone until every helper has acknowledged.
    private nonisolated(unsafe) var body: (@Sendable (Int) -> Void)?
    private nonisolated(unsafe) var workers = 0

    private init(helpers count: Int) {
        helperCount = count
        helpers = (0 ..< count).map { _ in Helper() }
        for index in 0 ..< count {
            let thread = Thread { [self] in helperLoop(index) }
            thread.name = "fovea-worker-\(index + 1)"
            thread.start()
        }
    }

    /// Runs `body(worker)` for `worker` in `0 ..< workers` (0 on the calling thread) and returns
    /// true, or returns false without running anything if the pool cannot take the job (more
    /// workers than helpers + 1, or another job in progress, e.g. a nested call).
    func run(workers: Int, _ body: @Sendable (Int) -> Void) -> Bool {
        guard workers - 1 <= helperCount,
              busy.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged
        else { return false }
        defer { busy.store(false, ordering: .sequentiallyConsistent) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            self.workers = workers
            pending.store(helperCount, ordering: .sequentiallyConsistent)
            generation.add(1, ordering: .sequentiallyConsistent)
            for helper in helpers where helper.parked.exchange(false, ordering: .sequentiallyConsistent) {
                helper.wake.signal()
            }
            body(0)
            while pending.load(ordering: .sequentiallyConsistent) > 0 {
                sched_yield()
            }
            self.body = nil
        }
        return true
    }

    private func helperLoop(_ index: Int) {
        let helper = helpers[index]
        let clock = ContinuousClock()
        var seen = 0
        // A helper the last job did not use (more cores than workers) parks at once instead of
        // spinning, so that a machine with many cores does not keep them all busy.
        var spinLimit = WorkerPool.spinSeconds
        while true {
            var spinStart = clock.now
            var spins = 0
            while generation.load(ordering: .sequentiallyConsistent) == seen {
                if spinLimit > 0 {
                    sched_yield()
                    spins &+= 1
                    guard spins % 64 == 0, (clock.now - spinStart).seconds > spinLimit else { continue }
                }
                helper.parked.store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) != seen {
                    // Work came while parking: take the flag back, or consume the caller's signal.
                    if !helper.parked.exchange(false, ordering: .sequentiallyConsistent) { helper.wake.wait() }
                    break
                }
                helper.wake.wait()
                spinStart = clock.now
            }
            seen = generation.load(ordering: .sequentiallyConsistent)
            let used = index + 1 < workers
            if used, let body {
                body(index + 1)
            }
            spinLimit = used ? WorkerPool.spinSeconds : 0
            pending.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}
