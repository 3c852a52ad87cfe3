import Fovea
import Foundation

/// What `fovea lr-find` prints and plots from a `LearningRateRangeResult`.
enum LRFindReport {
    /// Rows of the table: every `k`-th step so that there are at most this many, plus the last.
    static let tableRows = 30

    /// The steps the table shows: 1, 1 + k, 1 + 2k, … and the last recorded step.
    static func shownSteps(_ count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let every = max(1, (count + tableRows - 1) / tableRows)
        var steps = Array(stride(from: 0, to: count, by: every))
        if steps.last != count - 1 { steps.append(count - 1) }
        return steps
    }

    /// ```
    ///  step  learning rate        loss    smoothed
    ///     1          1e-07      2.3101      2.3101
    /// ```
    static func table(_ result: LearningRateRangeResult) -> String {
        func cell(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(width - text.count, 0)) + text }
        var out = cell("step", 6) + cell("learning rate", 15) + cell("loss", 12) + cell("smoothed", 12) + "\n"
        for index in shownSteps(result.points.count) {
            let p = result.points[index]
            out += cell("\(p.step)", 6) + cell(Format.rate(p.learningRate), 15) + cell(Format.fixed(p.loss, 4), 12) + cell(Format.fixed(p.smoothedLoss, 4), 12) + "\n"
        }
        return out
    }

    /// Why the test stopped, the two rules' figures and the suggestion with its reason.
    static func summary(_ result: LearningRateRangeResult) -> [String] {
        var lines: [String] = []
        switch result.stop {
        case .completed:
            lines.append("ran all \(result.test.steps) steps, up to learning rate \(Format.rate(result.test.end))")
        case let .exploded(step, smoothed, minimum):
            lines.append("stopped after step \(step) (learning rate \(Format.rate(result.test.rate(atStep: step - 1)))): the smoothed loss \(Format.fixed(smoothed, 4)) passed \(Format.rate(LearningRateRangeTest.divergenceFactor)) × its minimum \(Format.fixed(minimum, 4))")
        case let .notFinite(step, rate, reason):
            lines.append("stopped at step \(step) (learning rate \(Format.rate(rate))): \(reason.split(separator: ";").first ?? "")")
        }
        guard let s = result.suggestion else {
            let (first, last) = (result.test.steps / 10 + 1, result.points.count - 5)
            lines.append(last > first
                ? "no suggestion: the smoothed loss did not fall between steps \(first) and \(last) (start lower with --start)"
                : "no suggestion: \(result.points.count) step\(result.points.count == 1 ? "" : "s") recorded, too few to read (the rules leave out the first tenth of the planned steps and the last 5; start lower with --start)")
            return lines
        }
        lines.append("steepest descent of the smoothed loss: \(Format.fixed(s.steepestSlope, 4)) per decade at learning rate \(Format.rate(s.steepest.learningRate)) (step \(s.steepest.step))")
        lines.append("minimum of the smoothed loss: \(Format.fixed(s.minimum.smoothedLoss, 4)) at learning rate \(Format.rate(s.minimum.learningRate)) (step \(s.minimum.step)); minimum / 10: \(Format.rate(s.minimumOverTen))")
        lines.append("suggested learning rate: \(Format.rate(s.learningRate)) (\(s.rule.rawValue): a tenth of the rate where the smoothed loss is lowest; the steepest descent is shown for comparison, but on a loss that falls evenly over decades it moves with the noise)")
        if result.stop == .completed && s.minimum.step >= s.window.upperBound - 1 {
            lines.append("note: the smoothed loss was still falling at the end of the sweep; a larger --end may find a better minimum")
        }
        return lines
    }

    /// `{"step":1,"learning_rate":1e-07,"loss":2.31…,"smoothed_loss":2.31…}`
    static func json(_ p: LearningRateRangePoint) -> String {
        JSON.object([("step", "\(p.step)"), ("learning_rate", Format.json(p.learningRate)), ("loss", JSON.number(p.loss)),
                     ("smoothed_loss", JSON.number(p.smoothedLoss))])
    }

    /// The closing object: `suggested_learning_rate` (null without a suggestion), `rule`,
    /// `steepest_learning_rate`, `steepest_slope`, `minimum_learning_rate`,
    /// `minimum_smoothed_loss`, `minimum_over_10`, `steps`, `stop` (completed, exploded or
    /// not_finite) and `stop_step`.
    static func json(_ result: LearningRateRangeResult) -> String {
        let s = result.suggestion
        let (stop, stopStep): (String, Int?) = switch result.stop {
        case .completed: ("completed", nil)
        case let .exploded(step, _, _): ("exploded", step)
        case let .notFinite(step, _, _): ("not_finite", step)
        }
        return JSON.object([
            ("suggested_learning_rate", JSON.number(s?.learningRate)), ("rule", s.map { JSON.string($0.rule.rawValue) } ?? "null"),
            ("steepest_learning_rate", JSON.number(s?.steepest.learningRate)), ("steepest_slope", JSON.number(s?.steepestSlope)),
            ("minimum_learning_rate", JSON.number(s?.minimum.learningRate)), ("minimum_smoothed_loss", JSON.number(s?.minimum.smoothedLoss)),
            ("minimum_over_10", JSON.number(s?.minimumOverTen)), ("steps", "\(result.points.count)"),
            ("stop", JSON.string(stop)), ("stop_step", stopStep.map { "\($0)" } ?? "null"),
        ])
    }

    /// One panel: the raw loss (sky blue) and the smoothed loss (blue) against the rate on a
    /// logarithmic axis spanning the whole sweep; the suggested rate (minimum / 10) as a
    /// vermillion dashed line and the steepest descent as an orange one. The y axis spans the raw losses from their
    /// lowest to the highest smoothed loss: the raw loss's blow-up at the end leaves the top.
    static func chart(_ result: LearningRateRangeResult) -> LineChart {
        let points = result.points
        let raw = points.map { ChartPoint(x: $0.learningRate, y: $0.loss) }
        let smoothed = points.map { ChartPoint(x: $0.learningRate, y: $0.smoothedLoss) }
        let low = (points.map(\.loss) + points.map(\.smoothedLoss)).filter(\.isFinite).min() ?? 0
        let high = points.map(\.smoothedLoss).filter(\.isFinite).max() ?? 1
        let yDomain = ChartTicks.linear(low: low, high: high, target: 6).domain
        var markers: [ChartMarker] = []
        if let s = result.suggestion {
            markers = [ChartMarker(x: s.learningRate, label: "suggested \(Format.rate(s.learningRate)) (\(s.rule.rawValue))", color: ChartPalette.vermillion),
                       ChartMarker(x: s.steepest.learningRate, label: "steepest descent \(Format.rate(s.steepest.learningRate))", color: ChartPalette.orange)]
        }
        let panel = ChartPanel(
            id: "lr-find", title: "loss (batch mean)",
            x: ChartAxis(title: "learning rate (log scale)", scale: .logarithmic, range: result.test.start ... result.test.end),
            y: ChartAxis(range: yDomain),
            series: [ChartSeries(name: "loss", id: "loss", points: raw, color: ChartPalette.skyBlue),
                     ChartSeries(name: "smoothed (beta 0.98)", id: "smoothed", points: smoothed, color: ChartPalette.blue)],
            markers: markers)
        return LineChart(width: 900, plotHeight: 360, title: "learning-rate range test: \(points.count) steps", panels: [panel])
    }
}
