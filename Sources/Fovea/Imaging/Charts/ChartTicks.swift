import Foundation

/// A labelled tick: a value on an axis and its text.
public struct ChartTick: Hashable, Sendable {
    public var value: Double
    public var label: String

    public init(value: Double, label: String) {
        self.value = value
        self.label = label
    }
}

/// The ticks of one axis and the values it spans.
public struct AxisTicks: Hashable, Sendable {
    /// The values from one end of the axis to the other.
    public var domain: ClosedRange<Double>
    /// Labelled ticks, with grid lines, in increasing order.
    public var major: [ChartTick]
    /// Unlabelled short ticks (2…9 × each power of ten on a logarithmic axis).
    public var minor: [Double]
}

/// "Nice" ticks: round numbers a reader can interpolate between.
///
/// - Linear axes step by 1, 2 or 5 times a power of ten (Heckbert, "Nice numbers for graph
///   labels", Graphics Gems, 1990): the step nearest above `span / target`, and an axis the
///   data did not fix is widened to the multiples of the step around the data.
/// - Logarithmic axes tick at powers of ten (every `k`-th decade when there are many), with
///   unlabelled ticks at 2…9 times each; an axis the data did not fix spans whole decades.
///   A fixed range with fewer than two powers of ten inside also gets 2 and 5 times them.
public enum ChartTicks {
    /// The smallest of 1, 2, 5 × 10ⁿ that is at least `span / target` (`span > 0`, `target ≥ 1`).
    public static func niceStep(span: Double, target: Int) -> Double {
        let raw = span / Double(max(target, 1))
        guard raw.isFinite && raw > 0 else { return 1 }
        let magnitude = pow(10, floor(log10(raw)))
        let residual = raw / magnitude
        // A little slack, so that 0.2 / 1 does not become 0.5 through rounding of the logarithm.
        let factor: Double = residual <= 1 + 1e-9 ? 1 : residual <= 2 + 1e-9 ? 2 : residual <= 5 + 1e-9 ? 5 : 10
        return factor * magnitude
    }

    /// Ticks for a linear axis over the data `low … high` (finite), about `target` of them.
    /// With `fixed`, the axis spans exactly that range and the ticks are the step's multiples
    /// inside it; otherwise it spans the step's multiples around the data. `integer` makes the
    /// step at least 1. A range of one value is widened to ±1 (±10 % of the value if larger).
    public static func linear(low: Double, high: Double, target: Int, integer: Bool = false, fixed: ClosedRange<Double>? = nil) -> AxisTicks {
        var (low, high) = fixed.map { ($0.lowerBound, $0.upperBound) } ?? (min(low, high), max(low, high))
        if !(high > low) {
            let pad = max(abs(low) * 0.1, 1)
            (low, high) = (low - pad, high + pad)
        }
        var step = niceStep(span: high - low, target: target)
        if integer { step = max(step, 1) }
        // Multiples k · step, computed from k so that errors do not pile up.
        let first = fixed == nil ? floor(low / step + 1e-9) : ceil(low / step - 1e-9)
        let last = fixed == nil ? ceil(high / step - 1e-9) : floor(high / step + 1e-9)
        let domain = fixed ?? (first * step) ... (last * step)
        let decimals = max(0, Int(-floor(log10(step) + 1e-9)))
        let useExponent = step < 1e-4 || max(abs(domain.lowerBound), abs(domain.upperBound)) >= 1e7
        var major: [ChartTick] = []
        if last >= first {
            for k in Int(first) ... Int(last) {
                let value = Double(k) * step
                major.append(ChartTick(value: value, label: useExponent ? compact(value) : ChartTicks.fixed(value, decimals: decimals)))
            }
        }
        return AxisTicks(domain: domain, major: major, minor: [])
    }

    /// Ticks for a logarithmic axis over the data `low … high` (both > 0 and finite), at most
    /// about `maximumLabels` labels; `fixed` as for `linear`.
    public static func logarithmic(low: Double, high: Double, maximumLabels: Int, fixed: ClosedRange<Double>? = nil) -> AxisTicks {
        let (dataLow, dataHigh) = (min(low, high), max(low, high))
        let domain: ClosedRange<Double>
        if let fixed {
            domain = fixed
        } else {
            let lowDecade = floor(log10(dataLow) + 1e-9), highDecade = ceil(log10(dataHigh) - 1e-9)
            domain = pow(10, lowDecade) ... pow(10, max(highDecade, lowDecade + 1))
        }
        let firstDecade = Int(ceil(log10(domain.lowerBound) - 1e-9)), lastDecade = Int(floor(log10(domain.upperBound) + 1e-9))
        let decades = lastDecade >= firstDecade ? Array(firstDecade ... lastDecade) : []
        let every = max(1, (decades.count + maximumLabels - 1) / max(maximumLabels, 1))
        var major: [ChartTick] = []
        var minor: [Double] = []
        let inside = { (value: Double) in value >= domain.lowerBound * (1 - 1e-9) && value <= domain.upperBound * (1 + 1e-9) }
        // Every decade the axis touches, for the multiples in the partial ones at either end.
        let lowest = Int(floor(log10(domain.lowerBound) + 1e-9)), highest = max(Int(floor(log10(domain.upperBound) + 1e-9)), lowest)
        for decade in lowest ... highest {
            let power = pow(10, Double(decade))
            if decades.contains(decade) {
                // Whole decades stay labelled where they are, so the labels move in steps of `every`.
                if decade % every == 0 { major.append(ChartTick(value: power, label: compact(power))) } else { minor.append(power) }
            }
            for multiple in 2 ... 9 {
                let value = Double(multiple) * power
                guard inside(value) else { continue }
                if decades.count < 2 && (multiple == 2 || multiple == 5) {
                    major.append(ChartTick(value: value, label: compact(value)))
                } else {
                    minor.append(value)
                }
            }
        }
        if major.count < 2 {
            // A fixed range inside one decade, without 2 or 5 times a power of ten: linear steps.
            major = linear(low: domain.lowerBound, high: domain.upperBound, target: 4, fixed: domain).major
                .map { ChartTick(value: $0.value, label: compact($0.value)) }
        }
        return AxisTicks(domain: domain, major: major.sorted { $0.value < $1.value }, minor: minor.sorted())
    }

    /// `value` with `decimals` digits after the point: `0.50`, `12`.
    static func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(decimals)f", value)
        // -0.0 and values that round to zero print as 0.
        return text.hasPrefix("-") && text.allSatisfy({ "-0.".contains($0) }) ? String(text.dropFirst()) : text
    }

    /// `value` in at most six significant digits, plainly from 0.001 to 999,999 and with a
    /// short exponent otherwise: `0.001`, `20`, `1e-7`, `3.2e12`.
    public static func compact(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "inf" : "-inf" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e6 { return String(format: "%.6g", value) }
        // "1.50000e-07" → "1.5e-7".
        let text = String(format: "%.5e", value)
        guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...]) else { return text }
        var mantissa = String(text[..<e])
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
        return mantissa + "e" + String(exponent)
    }
}
