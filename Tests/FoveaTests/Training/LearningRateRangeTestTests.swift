import Foundation
import Testing
import Fovea

@Suite struct LearningRateRangeTestTests {
    @Test func ratesGrowGeometrically() {
        let test = LearningRateRangeTest(start: 1e-3, end: 10, steps: 5)
        let rates = (0 ..< 5).map(test.rate(atStep:))
        for (rate, expected) in zip(rates, [1e-3, 1e-2, 1e-1, 1, 10]) {
            #expect(abs(rate / expected - 1) < 1e-12, "\(rate) vs \(expected)")
        }
    }

    /// 100 points from 1e-6 to 1 (about 16.5 per decade): the smoothed loss falls slowly, then
    /// fast between 1e-4 and 1e-3 (points 33 to 50), then slowly to its lowest at point 80
    /// (1e-6 · 10^(6·80/99) ≈ 0.0702), then rises.
    static func points() -> [LearningRateRangePoint] {
        (0 ..< 100).map { i in
            let rate = 1e-6 * pow(10, 6 * Double(i) / 99)
            let smoothed: Double = switch i {
            case ..<33: 3 - 0.001 * Double(i)
            case ..<50: 2.967 - 0.1 * Double(i - 33)
            case ..<80: 1.267 - 0.01 * Double(i - 50)
            default: 0.967 + 0.2 * Double(i - 80)
            }
            return LearningRateRangePoint(step: i + 1, learningRate: rate, loss: smoothed, smoothedLoss: smoothed)
        }
    }

    @Test func theSuggestionByHand() throws {
        let points = LearningRateRangeTestTests.points()
        let suggestion = try #require(LearningRateSuggestion(points: points, plannedSteps: 100))
        // The window: from the 11th point (the first tenth left out) to the 95th (the last 5).
        #expect(suggestion.window == 11 ... 95)
        #expect(suggestion.minimum.step == 81)
        #expect(abs(suggestion.minimumOverTen - points[80].learningRate / 10) < 1e-18)
        #expect(suggestion.rule == .minimumOverTen && suggestion.learningRate == suggestion.minimumOverTen)
        // Steepest: within the fast fall (half a decade is ±4 points, so its centre lies in 37…46).
        #expect((38 ... 47).contains(suggestion.steepest.step), "\(suggestion.steepest.step)")
        // A fall of 0.1 per point at 16.5 points per decade: 1.65 per decade.
        #expect(abs(suggestion.steepestSlope + 0.1 * 99 / 6) < 1e-9)
    }

    @Test func noSuggestionWithoutAFall() {
        let rising = LearningRateRangeTestTests.points().enumerated().map { i, p in
            LearningRateRangePoint(step: p.step, learningRate: p.learningRate, loss: Double(i), smoothedLoss: Double(i))
        }
        #expect(LearningRateSuggestion(points: rising, plannedSteps: 100) == nil)
        #expect(LearningRateSuggestion(points: Array(LearningRateRangeTestTests.points().prefix(12)), plannedSteps: 100) == nil)
    }
}
