import Testing
import Fovea

/// Tick positions and labels worked out by hand.
@Suite struct ChartTicksTests {
    @Test(arguments: [
        (1.0, 5, 0.2), (3.1, 5, 1.0), (10.0, 5, 2.0), (7.0, 2, 5.0), (0.009, 3, 0.005), (14.0, 9, 2.0), (1000.0, 4, 500.0),
    ])
    func stepsAreOneTwoOrFiveTimesAPowerOfTen(span: Double, target: Int, step: Double) {
        #expect(abs(ChartTicks.niceStep(span: span, target: target) - step) < step * 1e-12)
    }

    @Test func linearAxesWidenToTheStepsMultiples() {
        let unit = ChartTicks.linear(low: 0.03, high: 0.97, target: 5)
        #expect(unit.domain == 0 ... 1)
        #expect(unit.major.map(\.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        // 96.2 … 99.3: span 3.1 / 5 = 0.62 → step 1; widened to 96 … 100.
        let accuracy = ChartTicks.linear(low: 96.2, high: 99.3, target: 5)
        #expect(accuracy.domain == 96 ... 100)
        #expect(accuracy.major.map(\.label) == ["96", "97", "98", "99", "100"])
        #expect(accuracy.major.map(\.value) == [96, 97, 98, 99, 100])
        // Whole epochs: never a step below 1.
        #expect(ChartTicks.linear(low: 1, high: 3, target: 8, integer: true).major.map(\.label) == ["1", "2", "3"])
        // A fixed range keeps its ends; ticks are the multiples inside it.
        let fixed = ChartTicks.linear(low: 0, high: 0, target: 9, integer: true, fixed: 1 ... 15)
        #expect(fixed.domain == 1 ... 15)
        #expect(fixed.major.map(\.label) == ["2", "4", "6", "8", "10", "12", "14"])
        #expect(ChartTicks.linear(low: 0, high: 0, target: 4, integer: true, fixed: 0.5 ... 1.5).major.map(\.label) == ["1"])
        // One value: widened by ±1, then 1-2-5 (span 2 / 4 → 0.5).
        #expect(ChartTicks.linear(low: 5, high: 5, target: 4).major.map(\.label) == ["4.0", "4.5", "5.0", "5.5", "6.0"])
        // Negative values, and no "-0".
        #expect(ChartTicks.linear(low: -0.9, high: 0.4, target: 4).major.map(\.label) == ["-1.0", "-0.5", "0.0", "0.5"])
    }

    @Test func logarithmicAxesTickAtPowersOfTen() {
        let rates = ChartTicks.logarithmic(low: 3e-5, high: 0.03, maximumLabels: 10)
        #expect(rates.domain.lowerBound == 1e-5 && abs(rates.domain.upperBound - 0.1) < 1e-15)
        #expect(rates.major.map(\.label) == ["1e-5", "1e-4", "0.001", "0.01", "0.1"])
        // 2…9 × each decade inside the axis, unlabelled: 8 per decade, four decades.
        #expect(rates.minor.count == 32)
        #expect(rates.minor.first.map { abs($0 - 2e-5) < 1e-18 } == true)
        // Nine decades and room for four labels: every third, at multiples of three.
        let sweep = ChartTicks.logarithmic(low: 1e-7, high: 10, maximumLabels: 4, fixed: 1e-7 ... 10)
        #expect(sweep.major.map(\.label) == ["1e-6", "0.001", "1"])
        #expect(sweep.minor.filter { [1e-7, 1e-5, 1e-4, 0.01, 0.1, 10].contains($0) }.count == 6)
        // Inside one decade: 2 and 5 times it are labelled too.
        #expect(ChartTicks.logarithmic(low: 0.02, high: 0.09, maximumLabels: 5, fixed: 0.02 ... 0.09).major.map(\.label) == ["0.02", "0.05"])
        // One value: the decade around it.
        #expect(ChartTicks.logarithmic(low: 0.03, high: 0.03, maximumLabels: 5).major.map(\.label) == ["0.01", "0.1"])
    }

    @Test func compactNumbers() {
        #expect(ChartTicks.compact(1e-7) == "1e-7")
        #expect(ChartTicks.compact(1.5e-7) == "1.5e-7")
        #expect(ChartTicks.compact(3.2e12) == "3.2e12")
        #expect(ChartTicks.compact(0.001) == "0.001")
        #expect(ChartTicks.compact(20) == "20")
        #expect(ChartTicks.compact(123456) == "123456")
        #expect(ChartTicks.compact(-0.25) == "-0.25")
        #expect(ChartTicks.compact(0) == "0")
    }
}
