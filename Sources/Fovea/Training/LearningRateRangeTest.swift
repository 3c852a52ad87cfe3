import Foundation

/// The learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks",
/// 2017, §3.3; fastai's `lr_find`): train a fresh model for a few hundred steps while the
/// learning rate grows geometrically from `start` to `end`, and watch the loss. Where the loss
/// falls fastest, the rate is useful; where it shoots up, the rate is too high.
///
/// - Step `i` (0-based) runs at `start · (end / start)^(i / (steps − 1))`, over the training
///   batches in the usual order (epoch 1's permutation, then epoch 2's…), with the optimizer,
///   augmentation and clipping of the trainer's options; the schedule is ignored.
/// - Each step's loss (the batch mean) is smoothed exponentially with β = 0.98 and bias
///   correction, as fastai does: `a ← β·a + (1 − β)·loss`, `smoothed = a / (1 − β^(i+1))`.
///   The smoothed curve averages about 1/(1 − β) = 50 steps, so it trails the raw loss by about
///   49 steps: at 300 steps over 8 decades, about 1.3 decades of rate.
/// - The test stops after step `i` when the smoothed loss exceeds `divergenceFactor` (4) times
///   its minimum so far, or at a step whose loss or gradient is not finite (that step is not
///   applied and not recorded).
///
/// Deterministic: the trainer's steps are (the same seed gives the same table for any thread
/// count). The trainer is used up; the model and the optimizer's state are not meant to be kept.
public struct LearningRateRangeTest: Hashable, Sendable {
    /// Rate of the first step.
    public var start: Double
    /// Rate of the last step.
    public var end: Double
    /// Steps planned (the test may stop earlier), at least 2.
    public var steps: Int

    /// β of the loss's exponential smoothing.
    public static let smoothing = 0.98
    /// The test stops when the smoothed loss exceeds this many times its minimum.
    public static let divergenceFactor = 4.0

    public init(start: Double, end: Double, steps: Int) {
        self.start = start
        self.end = end
        self.steps = steps
    }

    /// The rate of step `step` (0-based): geometric from `start` (step 0) to `end` (step
    /// `steps − 1` and after).
    public func rate(atStep step: Int) -> Double {
        guard steps > 1 && step < steps - 1 else { return step <= 0 ? start : end }
        // The ratio in logarithms, so that even start 1e-300 and end 1e300 (a ratio beyond
        // Double) work; step 0 is exactly `start`, the last step exactly `end`.
        let t = Double(step) / Double(steps - 1)
        return start * exp(t * (log(end) - log(start)))
    }

    /// Runs the test with `trainer`, which must be fresh (no step taken yet). `afterStep` sees
    /// each recorded point. Throws only what the trainer throws other than a `TrainingError`
    /// (a loss or gradient that is not finite ends the test instead).
    public func run(_ trainer: Trainer, afterStep: ((LearningRateRangePoint) -> Void)? = nil) throws -> LearningRateRangeResult {
        precondition(trainer.globalStep == 0, "the range test needs a fresh trainer")
        var points: [LearningRateRangePoint] = []
        var average = 0.0, best = Double.infinity
        var stop = LearningRateRangeResult.Stop.completed
        var previous = (loss: 0.0, samples: 0)
        var finished = false
        let beta = LearningRateRangeTest.smoothing
        do {
            while !finished && trainer.globalStep < steps {
                let report = try trainer.trainEpoch(learningRate: rate(atStep:), shouldStop: { finished || trainer.globalStep >= steps }) { progress in
                    if progress.step == 1 { previous = (0, 0) }
                    // The step's mean loss: the epoch's running sum over samples, less its value before the step.
                    let total = trainer.epochTotals.loss
                    let loss = (total - previous.loss) / Double(max(progress.samplesDone - previous.samples, 1))
                    previous = (total, progress.samplesDone)
                    let step = trainer.globalStep - 1
                    average = beta * average + (1 - beta) * loss
                    let smoothed = average / (1 - pow(beta, Double(step + 1)))
                    let point = LearningRateRangePoint(step: step + 1, learningRate: rate(atStep: step), loss: loss, smoothedLoss: smoothed)
                    points.append(point)
                    afterStep?(point)
                    if step == 0 || smoothed < best { best = smoothed }
                    if !smoothed.isFinite || smoothed > LearningRateRangeTest.divergenceFactor * best {
                        stop = .exploded(step: step + 1, smoothedLoss: smoothed, minimum: best)
                        finished = true
                    }
                }
                if report == nil { break }
            }
        } catch let error as TrainingError {
            let step = trainer.globalStep + 1
            stop = .notFinite(step: step, learningRate: rate(atStep: step - 1), reason: error.description)
        }
        return LearningRateRangeResult(test: self, points: points, stop: stop)
    }
}

/// One step of a range test.
public struct LearningRateRangePoint: Hashable, Sendable {
    /// 1-based step number.
    public var step: Int
    public var learningRate: Double
    /// The batch's mean loss.
    public var loss: Double
    /// The exponentially smoothed loss, bias-corrected.
    public var smoothedLoss: Double

    public init(step: Int, learningRate: Double, loss: Double, smoothedLoss: Double) {
        self.step = step
        self.learningRate = learningRate
        self.loss = loss
        self.smoothedLoss = smoothedLoss
    }
}

/// What a range test recorded, why it stopped, and the rate it suggests.
public struct LearningRateRangeResult: Hashable, Sendable {
    public enum Stop: Hashable, Sendable {
        /// Every planned step ran.
        case completed
        /// After step `step` the smoothed loss was over `divergenceFactor` times its `minimum`.
        case exploded(step: Int, smoothedLoss: Double, minimum: Double)
        /// Step `step`, at `learningRate`, had a loss or gradient that is not finite
        /// (`reason`); it was not applied or recorded.
        case notFinite(step: Int, learningRate: Double, reason: String)
    }

    public let test: LearningRateRangeTest
    public let points: [LearningRateRangePoint]
    public let stop: Stop

    /// The suggestion, or `nil` when the smoothed loss never fell in the window it is read from.
    public var suggestion: LearningRateSuggestion? {
        LearningRateSuggestion(points: points, plannedSteps: test.steps)
    }
}
