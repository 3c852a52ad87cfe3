import Testing
import Fovea

/// Stopping the batch pipeline mid-epoch, as a run that is interrupted or diverges does.
@Suite struct BatchPipelineStopTests {
    /// The labels of the batches of `steps`, taking only `taken` of them before stopping.
    func labels(_ pipeline: BatchPipeline, order: [Int], steps: Range<Int>, taken: Int) -> [[UInt8]] {
        pipeline.start(order: order, steps: steps)
        defer { pipeline.stop() }
        return (0 ..< taken).map { _ in
            pipeline.withNextBatch { Array(UnsafeBufferPointer(start: $0.labels, count: $0.count)) }
        }
    }

    /// `stop` while the producer is about to fill the next slot (one batch taken, so a slot was
    /// just recycled) and restarting the pipeline, many times over: every restart gives the
    /// batches of its order from its first step. Under ThreadSanitizer (scripts/sanitize.sh
    /// thread) this also checks that `stop` signals the producer without a data race (it once
    /// wrote a plain Bool that the producer read).
    @Test func stopMidEpochAndRestart() throws {
        let set = try Fixtures.syntheticSet(count: 40)
        let pipeline = BatchPipeline(set: set, normalization: Normalization(statisticsOf: set), batchSize: 4)
        for round in 0 ..< 200 {
            let order = randomPermutation(count: set.count, stream: RandomStream(seed: 5, purpose: .shuffle, UInt64(round)))
            let first = round % 7
            let taken = labels(pipeline, order: order, steps: first ..< 10, taken: 1 + round % 3)
            for (index, batch) in taken.enumerated() {
                let step = first + index
                #expect(batch == order[step * 4 ..< step * 4 + 4].map { set.label($0) }, "round \(round), step \(step)")
            }
        }
    }
}
