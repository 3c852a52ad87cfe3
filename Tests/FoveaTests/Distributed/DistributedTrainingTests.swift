import Foundation
import Testing
import Fovea

/// Runs `body(group)` for every rank of an `InProcessGroup` of `size`, each on its own thread
/// (not Dispatch's pool, whose width on a small machine could leave a rank waiting for one that
/// never starts), and returns the ranks' results in rank order.
func runRanks<Result: Sendable>(_ size: Int, _ body: @escaping @Sendable (InProcessGroup) throws -> Result) throws -> [Result] {
    let groups = InProcessGroup.ranks(size)
    let results = RankResults<Result>(count: size)
    let done = DispatchSemaphore(value: 0)
    for group in groups {
        let thread = Thread {
            results.set(group.rank, Swift.Result { try body(group) })
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    for _ in groups { done.wait() }
    return try results.values.map { try $0.get() }
}

/// The ranks' results, each written once by its own thread under a lock.
final class RankResults<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, any Error>?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ rank: Int, _ value: Result<Value, any Error>) {
        lock.lock()
        slots[rank] = value
        lock.unlock()
    }
    var values: [Result<Value, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0 ?? .failure(CancellationError()) }
    }
}

/// The in-process group's collectives move the bytes they should, to the ranks they should.
@Suite struct InProcessGroupTests {
    @Test func exchangeAllGatherAndMaximum() throws {
        let size = 3
        let results = try runRanks(size) { group -> ([UInt8], [UInt8], Int) in
            let r = group.rank
            // Each rank sends [r, q] to every other rank q and receives [q, r] from each.
            var incoming = [UInt8](repeating: 255, count: 2 * size)
            // Message q of the flat buffer is [r, q].
            let flat = (0 ..< size).flatMap { q in [UInt8(r), UInt8(q)] }
            flat.withUnsafeBytes { out in
                incoming.withUnsafeMutableBytes { into in
                    let others = (0 ..< size).filter { $0 != r }
                    group.exchange(
                        sends: others.map { q in ProcessMessage.Send(to: q, tag: 7, bytes: UnsafeRawBufferPointer(rebasing: out[2 * q ..< 2 * q + 2])) },
                        receives: others.map { q in ProcessMessage.Receive(from: q, tag: 7, into: UnsafeMutableRawBufferPointer(rebasing: into[2 * q ..< 2 * q + 2])) })
                }
            }
            // Rank q contributes q + 1 bytes of value 10·q.
            let ranges = (0 ..< size).map { q in q * (q + 1) / 2 ..< (q + 1) * (q + 2) / 2 }
            var gathered = [UInt8](repeating: 255, count: ranges.last!.upperBound)
            for i in ranges[r] { gathered[i] = UInt8(10 * r) }
            gathered.withUnsafeMutableBytes { group.allGather($0, ranges: ranges) }
            return (incoming, gathered, group.maximum(5 * r - 3))
        }
        for (r, (incoming, gathered, maximum)) in results.enumerated() {
            for q in 0 ..< size where q != r { #expect(Array(incoming[2 * q ..< 2 * q + 2]) == [UInt8(q), UInt8(r)]) }
            #expect(Array(incoming[2 * r ..< 2 * r + 2]) == [255, 255], "a rank sends nothing to itself")
            #expect(gathered == [0, 10, 10, 20, 20, 20])
            #expect(maximum == 7)
        }
    }
}

/// The meter counts what each collective moves and changes nothing it moves.
@Suite struct MeteredProcessGroupTests {
    @Test func countsBytesOfEachCollective() throws {
        let size = 3
        let results = try runRanks(size) { base -> (CommunicationTotals, [UInt8]) in
            let group = MeteredProcessGroup(base)
            let r = group.rank
            // 5 bytes to the next rank, 5 from the previous one.
            let out = [UInt8](repeating: UInt8(r), count: 5)
            var incoming = [UInt8](repeating: 0, count: 5)
            out.withUnsafeBytes { out in
                incoming.withUnsafeMutableBytes { into in
                    group.exchange(sends: [ProcessMessage.Send(to: (r + 1) % size, tag: 0, bytes: out)],
                                   receives: [ProcessMessage.Receive(from: (r + size - 1) % size, tag: 0, into: into)])
                }
            }
            // Rank q contributes 2q + 1 bytes: 1 + 3 + 5 = 9 in all.
            let ranges = [0 ..< 1, 1 ..< 4, 4 ..< 9]
            var gathered = [UInt8](repeating: 0, count: 9)
            for i in ranges[r] { gathered[i] = UInt8(r) }
            gathered.withUnsafeMutableBytes { group.allGather($0, ranges: ranges) }
            _ = group.maximum(r)
            return (group.totals, incoming + gathered)
        }
        for (r, (totals, bytes)) in results.enumerated() {
            let own = 2 * r + 1
            #expect(totals.bytesReceived == 5 + (9 - own) + 8 * (size - 1))
            #expect(totals.bytesSent == 5 + own * (size - 1) + 8 * (size - 1))
            #expect(totals.calls == 3 && totals.seconds >= 0)
            #expect(bytes == [UInt8](repeating: UInt8((r + size - 1) % size), count: 5) + [0, 1, 1, 1, 2, 2, 2, 2, 2])
        }
    }

    /// Every epoch of a multi-rank run reports its exchange; a single process reports none.
    @Test func epochReportsCarryTheExchange() throws {
        let data = try Fixtures.syntheticSet(count: 60)
        @Sendable func trainer() throws -> Trainer {
            let network = try Network(spec: ModelSpec("conv(2,3) relu flatten dense(4)"), inputShape: data.sampleShape, classes: 4)
            let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 1)
            let options = TrainingOptions(epochs: 1, batchSize: 20, optimizer: SGD(learningRate: 0.1, momentum: 0),
                                          schedule: LearningRateSchedule(kind: .constant), seed: 1)
            return Trainer(model: model, options: options, train: data, test: nil, validation: nil, threads: 1)
        }
        let alone = try trainer().trainEpoch()
        #expect(alone.communication == nil && alone.trainedSteps == 3)
        let reports = try runRanks(2) { group -> EpochReport in
            let t = try trainer()
            try t.distribute(over: group)
            return try t.trainEpoch()
        }
        let parameters = try Network(spec: ModelSpec("conv(2,3) relu flatten dense(4)"), inputShape: data.sampleShape, classes: 4).parameterCount
        for report in reports {
            // Per step: the totals of the other rank's shard (24 bytes), the other rank's half of
            // the gradient in step 2 and in step 3 (2 shards, 2 ranks: 4N/2 bytes each).
            let c = try #require(report.communication)
            let half = 4 * parameters / 2
            #expect(report.trainedSteps == 3)
            #expect(abs(c.bytesReceived - 3 * (24 + 2 * half)) <= 3 * 8, "received \(c.bytesReceived)")
        }
    }
}

/// The fixed-order combination of `DistributedStep`, against the single-process sums.
@Suite struct DistributedStepTests {
    /// Floats whose sum depends on the order of addition (large and small magnitudes mixed), so
    /// that a combination in any other order than shard order shows.
    static func shardGradients(shards: Int, count: Int) -> [[Float]] {
        var random = SplitMix(seed: 11)
        return (0 ..< shards).map { shard in
            (0 ..< count).map { i in
                let magnitude: Float = (i + shard) % 3 == 0 ? 1e7 : (i + shard) % 3 == 1 ? 1 : 1e-3
                return magnitude * (Float(random.next() % 2001) / 1000 - 1)
            }
        }
    }

    /// `((g₀ + g₁) + g₂) + …` element by element, as `GradientReduction` adds.
    static func shardOrderSum(_ gradients: [[Float]]) -> [Float] {
        var sum = gradients[0]
        for g in gradients.dropFirst() { for i in sum.indices { sum[i] += g[i] } }
        return sum
    }

    @Test func gradientsSumInShardOrderForOneToFourRanks() throws {
        let count = 40_003, shards = 6
        let gradients = DistributedStepTests.shardGradients(shards: shards, count: count)
        let expected = DistributedStepTests.shardOrderSum(gradients).map(\.bitPattern)
        // The data are order-sensitive: the reverse order gives other bits (else the test could
        // not fail).
        #expect(DistributedStepTests.shardOrderSum(gradients.reversed()).map(\.bitPattern) != expected)
        for size in 1 ... 4 {
            for threads in [1, 2] {
                let sums = try runRanks(size) { group -> [UInt32] in
                    let step = try DistributedStep(group: group, parameterCount: count, maximumShards: shards)
                    // This rank's shards only, r, r + P, …, in that order.
                    let own = stride(from: group.rank, to: shards, by: size).map { shard in
                        let buffer = AlignedBuffer(count: count)
                        buffer.withUnsafeMutableBufferPointer { _ = $0.update(fromContentsOf: gradients[shard]) }
                        return buffer
                    }
                    return step.sumGradients(own, shards: shards, threads: threads).array.map(\.bitPattern)
                }
                for (rank, sum) in sums.enumerated() {
                    let same = sum == expected
                    #expect(same, "\(size) ranks, \(threads) threads: rank \(rank)'s sum differs from the shard-order sum")
                }
            }
        }
    }

    @Test func lossTotalsAddInShardOrderForOneToFourRanks() throws {
        let shards = 7
        // Five ones, then 1e16 and −1e16: in order the ones are rounded into 1e16 (the sum is 4
        // or 6), in reverse they survive (5).
        let losses: [Double] = [1, 1, 1, 1, 1, 1e16, -1e16]
        let squaredErrors: [Double] = [1e-17, 0.5, 1.0 / 3, 1e-17, 0.25, 0.2, 1.0 / 6]
        let totals = (0 ..< shards).map { s in LossTotals(loss: losses[s], correct: 3 * s, squaredError: squaredErrors[s]) }
        let expected = totals.reduce(LossTotals(), +)
        #expect(totals.reversed().reduce(LossTotals(), +).loss != expected.loss)
        for size in 1 ... 4 {
            let sums = try runRanks(size) { group -> LossTotals in
                let step = try DistributedStep(group: group, parameterCount: 1, maximumShards: shards)
                let local = ParallelSlots<LossTotals>(count: shards)
                for s in stride(from: group.rank, to: shards, by: size) { local[s] = totals[s] }
                return step.combineTotals(local, shards: shards)
            }
            for sum in sums {
                let same = sum.loss.bitPattern == expected.loss.bitPattern && sum.correct == expected.correct
                let sameError = sum.squaredError.bitPattern == expected.squaredError.bitPattern
                #expect(same && sameError, "\(size) ranks")
            }
        }
    }

    @Test func shardsPerRank() {
        #expect(RoundRobin.count(rank: 0, size: 3, items: 4) == 2)
        #expect(RoundRobin.count(rank: 1, size: 3, items: 4) == 1)
        #expect(RoundRobin.count(rank: 2, size: 3, items: 2) == 0)
        for size in 1 ... 5 {
            for shards in 1 ... 9 {
                #expect((0 ..< size).map { RoundRobin.count(rank: $0, size: size, items: shards) }.reduce(0, +) == shards)
            }
        }
    }
}

/// Whole runs: P ranks (threads standing for processes) × T threads end with the weights,
/// optimizer state and reports of one process, bit for bit.
@Suite struct DistributedTrainingTests {
    struct Run: Sendable, Equatable {
        var reports: [String]
        var weights: [UInt32]
        /// The layers' state (batch normalization's running statistics).
        var state: [UInt32]
        var optimizer: [[UInt32]]
    }

    static let plainSpec = "conv(6,3,pad=1) relu maxpool(2) dropout(0.2) flatten dense(16) relu dropout(0.3) dense(4)"
    /// Two whole-batch layers, one per channel and one per feature, with dropout between.
    static let batchNormSpec = "conv(6,3,pad=1) batchnorm relu maxpool(2) flatten dense(16) batchnorm relu dropout(0.3) dense(4)"

    static func train(group: (any ProcessGroup)?, threads: Int, batchSize: Int, clipping: Double?, adam: Bool,
                      spec: String = plainSpec) throws -> Run {
        let data = try Fixtures.syntheticSet(count: 150)
        let network = try Network(spec: ModelSpec(spec), inputShape: data.sampleShape, classes: 4)
        let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 3)
        let optimizer: any Optimizer = adam ? Adam(learningRate: 0.01)
            : SGDConfiguration(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
        let options = TrainingOptions(epochs: 2, batchSize: batchSize, optimizer: optimizer,
                                      schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: 3,
                                      gradientClipping: clipping.flatMap(GradientClipping.init(maxNorm:)))
        let trainer = Trainer(model: model, options: options, train: data.prefix(120), test: data.suffix(30), validation: nil, threads: threads)
        if let group { try trainer.distribute(over: group) }
        var reports: [String] = []
        for _ in 0 ..< 2 {
            let r = try trainer.trainEpoch()
            reports.append("\(r.trainLoss.bitPattern) \(r.trainAccuracy!) \(r.test!.loss.bitPattern) \(r.test!.accuracy!) \(r.learningRate)")
        }
        return Run(reports: reports, weights: model.parameters.array.map(\.bitPattern), state: model.state.array.map(\.bitPattern),
                   optimizer: trainer.optimizerState.tensors.map { $0.map(\.bitPattern) })
    }

    /// Batch 100 on 120 samples: steps of 4 and 2 shards, so with 3 ranks one rank has two
    /// shards and, in the short step, one has none.
    @Test(arguments: [(false, nil as Double?), (true, 0.5)])
    func identicalForOneTwoAndThreeRanks(adam: Bool, clipping: Double?) throws {
        let reference = try DistributedTrainingTests.train(group: nil, threads: 1, batchSize: 100, clipping: clipping, adam: adam)
        for size in [1, 2, 3] {
            for threads in [1, 2] {
                let runs = try runRanks(size) { group in
                    try DistributedTrainingTests.train(group: group, threads: threads, batchSize: 100, clipping: clipping, adam: adam)
                }
                for (rank, run) in runs.enumerated() {
                    #expect(run.reports == reference.reports, "\(size) ranks × \(threads) threads, rank \(rank): reports differ")
                    // As Booleans: a failure names the run, not thousands of values.
                    let sameWeights = run.weights == reference.weights, sameState = run.optimizer == reference.optimizer
                    #expect(sameWeights, "\(size) ranks × \(threads) threads, rank \(rank): weights differ")
                    #expect(sameState, "\(size) ranks × \(threads) threads, rank \(rank): optimizer state differs")
                }
            }
        }
    }

    /// A rank keeps gradient buffers for its own shards only: batch 100 has 4 shards, so 4 in
    /// one process, 2 and 2 on two ranks, 2, 1 and 1 on three; the memory estimate follows.
    @Test func eachRankHoldsItsOwnShardsGradients() throws {
        let data = try Fixtures.syntheticSet(count: 40)
        let network = try Network(spec: ModelSpec("conv(2,3) relu flatten dense(4)"), inputShape: data.sampleShape, classes: 4)
        @Sendable func trainer() -> Trainer {
            let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 1)
            let options = TrainingOptions(epochs: 1, batchSize: 100, optimizer: SGD(learningRate: 0.1, momentum: 0),
                                          schedule: LearningRateSchedule(kind: .constant), seed: 1)
            return Trainer(model: model, options: options, train: data, test: nil, validation: nil, threads: 1)
        }
        #expect(trainer().shardGradientBufferCount == 4)
        for (size, expected) in [(2, [2, 2]), (3, [2, 1, 1])] {
            let counts = try runRanks(size) { group -> Int in
                let t = trainer()
                try t.distribute(over: group)
                return t.shardGradientBufferCount
            }
            #expect(counts == expected)
        }
        // Batch 2,048: 64 shards. A rank of 8 keeps 8 of them, its eighth of all 64 and the sum:
        // 17 gradient-sized buffers instead of 64; the rest of the estimate is the same.
        let one = Trainer.estimatedBytes(network: network, batchSize: 2048, threads: 1, optimizerStateTensors: 1)
        let ofEight = Trainer.estimatedBytes(network: network, batchSize: 2048, threads: 1, optimizerStateTensors: 1, processes: 8)
        #expect(one - ofEight == 4 * Double(network.parameterCount) * Double(64 - (8 + 8 + 1)))
    }

    /// A different batch (and so shard count) gives other weights: the comparison above can fail.
    @Test func batchSizeMatters() throws {
        let a = try DistributedTrainingTests.train(group: nil, threads: 1, batchSize: 100, clipping: nil, adam: false)
        let b = try DistributedTrainingTests.train(group: nil, threads: 1, batchSize: 60, clipping: nil, adam: false)
        let differ = a.weights != b.weights
        #expect(differ)
    }

    /// Batch normalization's whole-batch statistics come from every rank's shards, reduced in
    /// shard order: weights, running statistics and reports are those of one process.
    @Test func batchNormalizationIdenticalForOneTwoAndThreeRanks() throws {
        let spec = DistributedTrainingTests.batchNormSpec
        let reference = try DistributedTrainingTests.train(group: nil, threads: 1, batchSize: 100, clipping: nil, adam: true, spec: spec)
        // Running statistics that moved: the state is not a constant the test could not miss.
        #expect(reference.state.contains { $0 != Float(0).bitPattern && $0 != Float(1).bitPattern })
        for size in [2, 3] {
            for threads in [1, 2] {
                let runs = try runRanks(size) { group in
                    try DistributedTrainingTests.train(group: group, threads: threads, batchSize: 100, clipping: nil, adam: true, spec: spec)
                }
                for (rank, run) in runs.enumerated() {
                    let same = run == reference
                    #expect(same, "\(size) ranks × \(threads) threads, rank \(rank): weights, running statistics, optimizer state or reports differ")
                }
            }
        }
    }

    @Test func launchWithoutMPIIsRefusedUnderALauncher() throws {
        #expect(ProcessLaunch.launcherSize(environment: [:]) == nil)
        #expect(ProcessLaunch.launcherSize(environment: ["OMPI_COMM_WORLD_SIZE": "3"]) == 3)
        #expect(ProcessLaunch.launcherSize(environment: ["PMI_SIZE": "2"]) == 2)
        #expect(try ProcessLaunch.group(environment: [:]).size == 1)
        if !ProcessLaunch.hasMPI {
            #expect(throws: DistributedError.launchedWithoutMPI(processes: 2)) {
                try ProcessLaunch.group(environment: ["OMPI_COMM_WORLD_SIZE": "2"])
            }
            #expect(try ProcessLaunch.group(environment: ["OMPI_COMM_WORLD_SIZE": "1"]).size == 1)
        }
    }
}

/// An evaluation split across ranks (chunk c on rank c mod P) has the figures of one process: the
/// loss, accuracy and confusion of a classifier; the MSE and per-class MSE of a denoiser.
@Suite struct DistributedEvaluationTests {
    static func evaluate(spec: String, loss: any Loss.Type, target: TrainingTarget, corruption: InputCorruption,
                         group: (any ProcessGroup)?, threads: Int) throws -> EvaluationResult {
        let data = try Fixtures.syntheticSet(count: 150)
        let network = try Network(spec: ModelSpec(spec), inputShape: data.sampleShape, classes: 4, loss: loss, target: target)
        let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: 7)
        // Chunks of 7: 22 chunks, dealt unevenly to 2 and 3 ranks.
        let evaluator = Evaluator(network: network, batchSize: 7, threads: threads, corruption: corruption, seed: 4)
        if let group { evaluator.group = group }
        return evaluator.evaluate(model, on: data)
    }

    @Test(arguments: [false, true])
    func identicalForOneTwoAndThreeRanks(reconstructing: Bool) throws {
        let (spec, loss, target): (String, any Loss.Type, TrainingTarget) = reconstructing
            ? ("conv(3,3,pad=1) relu conv(1,3,pad=1)", MeanSquaredError.self, .input)
            : ("conv(4,3,pad=1) relu maxpool(2) flatten dense(4)", SoftmaxCrossEntropy.self, .labels)
        let corruption = reconstructing ? try InputCorruption(noise: 0.2) : .none
        let reference = try DistributedEvaluationTests.evaluate(spec: spec, loss: loss, target: target, corruption: corruption,
                                                                group: nil, threads: 1)
        #expect(reference.count == 150)
        if reconstructing {
            #expect(reference.perClassReconstruction.compactMap { $0 }.count == 4)
        } else {
            #expect(reference.confusion.joined().reduce(0, +) == 150)
        }
        for size in [2, 3] {
            for threads in [1, 2] {
                let results = try runRanks(size) { group in
                    try DistributedEvaluationTests.evaluate(spec: spec, loss: loss, target: target, corruption: corruption,
                                                            group: group, threads: threads)
                }
                for (rank, result) in results.enumerated() {
                    let same = result == reference && result.loss.bitPattern == reference.loss.bitPattern
                    #expect(same, "\(size) ranks × \(threads) threads, rank \(rank): the evaluation differs")
                }
            }
        }
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
