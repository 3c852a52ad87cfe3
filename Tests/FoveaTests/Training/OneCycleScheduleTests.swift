import Testing
import Fovea

@Suite struct OneCycleScheduleTests {
    /// Up from base/25 to base over 30 % of the run, then down to base/25/10⁴ at the last step.
    @Test func shape() {
        let schedule = LearningRateSchedule(kind: .onecycle)
        let rates = (0 ..< 100).map { schedule.rate(base: 0.1, step: $0, stepsPerEpoch: 10, totalSteps: 100) }
        #expect(abs(rates[0] - 0.004) < 1e-15)
        #expect(abs(rates[15] - (0.004 + 0.096 * 0.5)) < 1e-15)
        #expect(rates[30] == 0.1)
        #expect(abs(rates[99] - 0.004 / 10_000) < 1e-15)
        #expect(zip(rates[0 ..< 30], rates[1 ... 30]).allSatisfy { $0 < $1 })
        #expect(zip(rates[30 ..< 99], rates[31 ... 99]).allSatisfy { $0 > $1 })
        // --warmup sets where the peak is.
        let early = LearningRateSchedule(kind: .onecycle, warmupEpochs: 1)
        #expect(early.rate(base: 0.1, step: 10, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        #expect(early.rate(base: 0.1, step: 9, stepsPerEpoch: 10, totalSteps: 100) < 0.1)
        #expect(early.description == "one-cycle, warm-up 1.0 epoch")
    }
}
