import Dispatch
import Foundation
import Fovea
import Synchronization
import Testing

/// `Parallel.run` on the spinning worker pool: every worker index runs exactly once per call,
/// many short regions in a row (the pool's helpers spinning between them and parking after a
/// pause), regions nested in a region, and regions started from two threads at once.
@Suite struct ParallelRunTests {
    final class Slot: Sendable {
        let value = Atomic<Int>(0)
        func increment() { value.add(1, ordering: .relaxed) }
    }
    final class Counts: Sendable {
        let slots: [Slot]
        init(_ count: Int) { slots = (0 ..< count).map { _ in Slot() } }
        var values: [Int] { slots.map { $0.value.load(ordering: .relaxed) } }
    }

    @Test func everyWorkerRunsOncePerRegion() {
        let regions = 2_000
        let counts = Counts(2)
        for region in 0 ..< regions {
            Parallel.run(workers: 2) { w in counts.slots[w].increment() }
            if region == regions / 2 { Thread.sleep(forTimeInterval: 0.02) }  // long enough for the helpers to park
        }
        #expect(counts.values == [regions, regions])
    }

    @Test func nestedRegionsComplete() {
        let counts = Counts(4)
        Parallel.run(workers: 2) { outer in
            Parallel.run(workers: 2) { inner in counts.slots[2 * outer + inner].increment() }
        }
        #expect(counts.values == [1, 1, 1, 1])
    }

    @Test func regionsFromTwoThreadsAtOnce() {
        let counts = Counts(4)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for _ in 0 ..< 500 {
                Parallel.run(workers: 2) { w in counts.slots[2 * caller + w].increment() }
            }
        }
        #expect(counts.values == [500, 500, 500, 500])
    }

    /// More workers than the machine has cores (no pool helper for them): still each once.
    @Test func moreWorkersThanHelpers() {
        let counts = Counts(8)
        Parallel.run(workers: 8) { w in counts.slots[w].increment() }
        #expect(counts.values == Array(repeating: 1, count: 8))
    }
}
