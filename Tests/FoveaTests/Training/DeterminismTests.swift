import Testing
import Fovea

/// The same seed gives the same losses and weights, bit for bit, whatever the thread count.
@Suite struct DeterminismTests {
    func train(threads: Int, batchSize: Int = 20, seed: UInt64 = 3,
               spec: String = "conv(6,3,pad=1) relu maxpool(2) dropout(0.2) flatten dense(16) relu dropout(0.3) dense(4)",
               epochs: Int = 2) throws -> (reports: [String], weights: [Float]) {
        let data = try Fixtures.syntheticSet(count: 150)
        let network = try Network(spec: ModelSpec(spec), inputShape: data.sampleShape, classes: 4)
        let model = Model(network: network, normalization: Normalization(statisticsOf: data), seed: seed)
        let options = TrainingOptions(epochs: 2, batchSize: batchSize, optimizer: SGDConfiguration(learningRate: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4),
                                      schedule: LearningRateSchedule(kind: .cosine, warmupEpochs: 0.5), seed: seed)
        let trainer = Trainer(model: model, options: options, train: data.prefix(120), test: data.suffix(30), validation: nil, threads: threads)
        var reports: [String] = []
        for _ in 0 ..< epochs {
            let r = try trainer.trainEpoch()
            reports.append("\(r.trainLoss) \(String(describing: r.trainAccuracy)) \(r.test!.loss) \(String(describing: r.test!.accuracy)) \(r.learningRate)")
        }
        return (reports, model.parameters.array)
    }

    @Test func identicalForOneTwoThreeAndEightThreads() throws {
        let reference = try train(threads: 1)
        for threads in [2, 3, 8] {
            let other = try train(threads: threads)
            #expect(other.reports == reference.reports, "threads \(threads)")
            #expect(other.weights == reference.weights, "threads \(threads): weights differ")
        }
    }

    /// Every kind a spec can name (`WorkspaceKindTests.specs`): one worker
    /// computing both (uneven) shards of a batch on one workspace, or a worker each, gives the same
    /// figures and weights, bit for bit (nothing a shard leaves in a workspace reaches the next).
    @Test(arguments: WorkspaceKindTests.specs)
    func everyKindIsThreadIndependent(_ spec: String) throws {
        // Batches of 21: shards of 11 and 10, and a last batch of 15 (8 and 7).
        let reference = try train(threads: 1, batchSize: 21, spec: spec, epochs: 1)
        let other = try train(threads: 3, batchSize: 21, spec: spec, epochs: 1)
        #expect(other.reports == reference.reports, "\(spec)")
        #expect(other.weights.map(\.bitPattern) == reference.weights.map(\.bitPattern), "\(spec): weights differ")
        #expect(reference.weights.allSatisfy { $0.isFinite })
    }

    /// A different seed gives different weights (the seed is really used).
    @Test func seedMatters() throws {
        #expect(try train(threads: 2, seed: 4).weights != train(threads: 2, seed: 3).weights)
    }

    /// Shard counts depend only on the batch size.
    @Test func shardCounts() {
        #expect(Trainer.shardCount(batch: 64) == 2)
        #expect(Trainer.shardCount(batch: 32) == 2)
        #expect(Trainer.shardCount(batch: 1) == 1)
        #expect(Trainer.shardCount(batch: 100) == 4)
        #expect(Trainer.shardCount(batch: 256) == 8)
        for batch in 1 ... 300 {
            let shards = Trainer.shardCount(batch: batch)
            let sizes = (0 ..< shards).map { Trainer.shardRange($0, of: shards, batch: batch).count }
            #expect(sizes.reduce(0, +) == batch && sizes.allSatisfy { $0 >= 1 })
            // The workspaces hold every shard of this batch and of every smaller one (an
            // epoch's last batch), and no more than the largest of them.
            let capacity = Trainer.shardCapacity(batchSize: batch)
            #expect(sizes.allSatisfy { $0 <= capacity })
            if batch > 1 { #expect(capacity >= Trainer.shardCapacity(batchSize: batch - 1)) }
            #expect((1 ... batch).contains { b in
                let s = Trainer.shardCount(batch: b)
                return (0 ..< s).contains { Trainer.shardRange($0, of: s, batch: b).count == capacity }
            })
        }
        #expect(Trainer.shardCapacity(batchSize: 64) == 32 && Trainer.shardCapacity(batchSize: 1) == 1)
    }
}
