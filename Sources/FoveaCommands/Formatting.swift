import Foundation

/// Number formatting for reports, independent of the locale.
enum Format {
    /// `1199882` → `1,199,882`.
    static func integer(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (i, digit) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped
    }

    /// A fixed-point number with `digits` decimals.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// A fraction as a percentage with two decimals: `0.98312` → `98.31%`.
    static func percent(_ fraction: Double) -> String {
        fixed(fraction * 100, 2) + "%"
    }

    /// Seconds as `m:ss` (or `h:mm:ss`).
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60)
        let mm = h > 0 ? String(format: "%02d", m) : String(m)
        return (h > 0 ? "\(h):" : "") + mm + ":" + String(format: "%02d", s)
    }

    /// `digits` significant digits, compactly: `0.00770`, `1.23e-05` (for an MSE).
    static func significant(_ value: Double, _ digits: Int) -> String {
        String(format: "%#.\(digits)g", value)
    }

    /// A learning rate, compactly: `0.05`, `0.00123`, `1.2e-06`.
    static func rate(_ value: Double) -> String {
        String(format: "%.4g", value)
    }

    /// A JSON number with full precision (the shortest text that reads back as the same
    /// `Double`, at least 9 significant digits for any value that needs them).
    static func json(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        return "\(value)"
    }
}
