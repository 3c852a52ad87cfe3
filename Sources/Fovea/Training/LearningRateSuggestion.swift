import Foundation

/// The learning rate a range test suggests, with two of fastai's rules, both read from the
/// smoothed loss over a window that leaves out the first tenth of the planned steps (the
/// smoothing is still settling) and the last 5 points (the blow-up), as fastai's `lr_find` does:
///
/// - **minimum / 10** (suggested): a tenth of the rate where the smoothed loss is lowest, a
///   rate clearly below where the loss stops falling and turns up;
/// - **steepest descent** (shown): the rate where the smoothed loss falls fastest per decade of
///   rate, among the points before the minimum. fastai takes the slope between neighbouring
///   points; here it is taken over half a decade centred on each point (a quarter decade
///   either side), since neighbouring points are 1/37 of a decade apart at 300 steps and their
///   difference is mostly noise.
///
/// Why minimum / 10 is the one suggested: on MNIST the smoothed loss falls almost evenly over
/// three or four decades, so where it falls *fastest* is decided by noise. With `mnist-fast`,
/// SGD with momentum 0.9 and the default sweep, seeds 1, 2 and 3 put the steepest descent at
/// 0.004, 6.1e-5 and 1.4e-4 (two decades apart), and the minimum / 10 at 0.0077, 0.0077 and
/// 0.016 (the default `--lr` is 0.03). There is no suggestion when the smoothed loss never falls
/// in the window (the sweep started too high, or the model does not learn).
public struct LearningRateSuggestion: Hashable, Sendable {
    public enum Rule: String, Hashable, Sendable {
        case steepestDescent = "steepest descent"
        case minimumOverTen = "minimum / 10"
    }

    /// Where the smoothed loss falls fastest.
    public let steepest: LearningRateRangePoint
    /// The fall there, in loss per decade of rate (negative).
    public let steepestSlope: Double
    /// Where the smoothed loss is lowest.
    public let minimum: LearningRateRangePoint
    /// The rule whose rate is suggested: minimum / 10.
    public let rule = Rule.minimumOverTen
    /// Steps of the window the rules read (1-based, inclusive).
    public let window: ClosedRange<Int>

    /// A tenth of the rate at the minimum.
    public var minimumOverTen: Double { minimum.learningRate / 10 }

    /// The suggested rate.
    public var learningRate: Double { rule == .steepestDescent ? steepest.learningRate : minimumOverTen }

    /// Reads `points` of a test of `plannedSteps`; `nil` if the window has fewer than two points
    /// or the smoothed loss does not fall in it.
    public init?(points: [LearningRateRangePoint], plannedSteps: Int) {
        let first = plannedSteps / 10, last = points.count - 6
        guard last > first else { return nil }
        let window = Array(points[first ... last])
        guard let lowest = window.indices.filter({ window[$0].smoothedLoss.isFinite }).min(by: { window[$0].smoothedLoss < window[$1].smoothedLoss })
        else { return nil }
        // The slope over half a decade of rate centred on each point (a quarter decade, in
        // steps, either side; at least one step), clamped to the window.
        let perDecade = Double(points.count > 1 ? points.count - 1 : 1)
            / max(log10(points[points.count - 1].learningRate / points[0].learningRate), 1e-9)
        let reach = max(1, Int((perDecade / 4).rounded()))
        var steepestIndex: Int?
        var steepestSlope = 0.0
        for i in 0 ..< lowest {
            let (a, b) = (max(i - reach, 0), min(i + reach, lowest))
            let run = log10(window[b].learningRate) - log10(window[a].learningRate)
            let slope = (window[b].smoothedLoss - window[a].smoothedLoss) / run
            if run > 0 && slope.isFinite && slope < steepestSlope {
                steepestSlope = slope
                steepestIndex = i
            }
        }
        guard let steepestIndex else { return nil }
        steepest = window[steepestIndex]
        self.steepestSlope = steepestSlope
        minimum = window[lowest]
        self.window = window[0].step ... window[window.count - 1].step
    }
}
