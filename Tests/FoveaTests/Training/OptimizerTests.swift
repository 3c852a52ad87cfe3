import Testing
import Fovea

@Suite struct OptimizerTests {
    /// One SGD update by hand: two shards' gradients are summed, decay applies to the weight only,
    /// and momentum and Nesterov follow PyTorch's formulas.
    @Test(arguments: [false, true])
    func sgdUpdateByHand(nesterov: Bool) throws {
        let network = try Network(spec: ModelSpec("flatten dense(2)"), inputShape: FeatureShape(channels: 1, height: 1, width: 1), classes: 2)
        // Parameters: weight [2, 1], bias [2].
        let sgd = SGD(configuration: SGDConfiguration(learningRate: 0.1, momentum: 0.5, nesterov: nesterov, weightDecay: 0.01), network: network)
        let w = AlignedBuffer(count: 4)
        w.assign([1, 2, 3, 4])
        let g1 = AlignedBuffer(count: 4), g2 = AlignedBuffer(count: 4)
        g1.assign([0.5, 0.5, 1, 1])
        g2.assign([0.5, -0.5, 1, 0])
        var expected: [Float] = []
        var velocity: [Float] = [0, 0, 0, 0]
        var weights: [Float] = [1, 2, 3, 4]
        for _ in 0 ..< 2 {
            sgd.update(parameters: w, gradients: [g1, g2], shards: 2, learningRate: 0.1, threads: 2)
            for i in 0 ..< 4 {
                var g = [Float(1), 0, 2, 1][i]
                if i < 2 { g += 0.01 * weights[i] }
                velocity[i] = 0.5 * velocity[i] + g
                weights[i] -= 0.1 * (nesterov ? g + 0.5 * velocity[i] : velocity[i])
            }
            expected = weights
        }
        #expect(w.array == expected)
        #expect(sgd.step == 2)
    }

    @Test func schedules() {
        let constant = LearningRateSchedule(kind: .constant)
        #expect(constant.rate(base: 0.1, step: 50, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        let step = LearningRateSchedule(kind: .step, stepEpochs: 2, gamma: 0.5)
        #expect(step.rate(base: 0.1, step: 19, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        #expect(step.rate(base: 0.1, step: 20, stepsPerEpoch: 10, totalSteps: 100) == 0.05)
        #expect(step.rate(base: 0.1, step: 45, stepsPerEpoch: 10, totalSteps: 100) == 0.025)
        let cosine = LearningRateSchedule(kind: .cosine)
        #expect(cosine.rate(base: 0.1, step: 0, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        #expect(abs(cosine.rate(base: 0.1, step: 50, stepsPerEpoch: 10, totalSteps: 100) - 0.05) < 1e-12)
        let warm = LearningRateSchedule(kind: .cosine, warmupEpochs: 1)
        #expect(warm.rate(base: 0.1, step: 0, stepsPerEpoch: 10, totalSteps: 100) == 0.01)
        #expect(warm.rate(base: 0.1, step: 9, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        #expect(warm.rate(base: 0.1, step: 10, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
    }
}
