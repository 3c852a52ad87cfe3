import Foundation

/// A `LineChart` placed in pixels: every text, line, rectangle and polyline, in the order they
/// are drawn. `SVGRenderer` and `RasterRenderer` draw exactly this, so the two files of one chart
/// agree pixel for pixel in where things are (the SVG's text is set in the viewer's monospace
/// font at the size of Fovea's bitmap font, so it may differ a little in width).
///
/// Layout, top to bottom, in pixels (text is `BitmapFont` at `textScale` 2: 12 px per
/// character, 14 px high):
/// ```
///  16  margin, then the chart's title (centred) and 14 px, if any
///  per panel:
///      header: the panel's title on the left, the legend (a 24 px swatch, 6 px and the name
///              per entry, 20 px apart) on the right; when both do not fit, the legend goes on
///              rows of its own under the title (6 px apart), from the left; then 14 px
///      plot area: `plotHeight` px, framed, grid lines at the y and x ticks
///      8 px, the x tick labels (centred under their ticks; y tick labels are right-aligned
///              10 px left of the plot), 8 px, the x axis's title (centred), the note if any
///      24 px to the next panel
///  16  margin
/// ```
/// Horizontally: a 16 px margin, the y tick labels (as wide as the widest of any panel, so the
/// plots line up), 10 px, the plot, 40 px. Series are 2 px lines clipped to the plot; a point
/// that cannot be drawn (NaN, infinite, ≤ 0 on a logarithmic axis) is left out and breaks its
/// line (`Series.leftOut` counts them).
public struct ChartLayout: Sendable {
    /// Text size: each font pixel is `textScale × textScale` pixels.
    public static let textScale = 2
    /// Height of a line of text in pixels.
    public static let textHeight = BitmapFont.glyphHeight * textScale

    public enum Anchor: String, Sendable { case start, middle, end }

    /// What a text is, for SVG classes and tests.
    public enum Role: String, Sendable {
        case title, panelTitle = "panel-title", axisTitle = "axis-title", tickLabel = "tick-label", legend, note
    }

    /// A line of text whose top edge is at `top`; `x` is its left edge, centre or right edge
    /// according to `anchor`.
    public struct Text: Hashable, Sendable {
        public var string: String
        public var x: Int
        public var top: Int
        public var anchor: Anchor
        public var role: Role
        public var color: RGBColor

        /// The left edge of the text as `BitmapFont` draws it.
        public var left: Int {
            let width = BitmapFont.width(of: string, scale: ChartLayout.textScale)
            switch anchor {
            case .start: return x
            case .middle: return x - width / 2
            case .end: return x - width
            }
        }
    }

    /// A straight line; `width` in pixels; `dashed`: 6 px on, 4 px off.
    public struct Line: Hashable, Sendable {
        public var x0: Double, y0: Double, x1: Double, y1: Double
        public var color: RGBColor
        public var width: Int
        public var dashed: Bool
    }

    /// A rectangle of whole pixels: `x, y` its top-left pixel.
    public struct Rect: Hashable, Sendable {
        public var x: Int, y: Int, width: Int, height: Int
    }

    /// A point in pixels (x right, y down).
    public struct Pixel: Hashable, Sendable {
        public var x: Double, y: Double
    }

    /// A series as drawn: its unbroken runs of two or more points, and the squares at its points.
    public struct Series: Hashable, Sendable {
        public var id: String
        public var name: String
        public var color: RGBColor
        public var lines: [[Pixel]]
        /// Centres of the point squares (inside the plot), if the series marks its points.
        public var marks: [Pixel]
        /// Points that could not be drawn: a coordinate not finite, or ≤ 0 on a log axis.
        public var leftOut: Int
    }

    /// A legend entry: a swatch line and the text after it.
    public struct LegendEntry: Hashable, Sendable {
        public var swatch: Line
        public var text: Text
    }

    /// One panel placed.
    public struct Panel: Sendable {
        public var id: String
        /// The plot area.
        public var plot: Rect
        public var xTicks: AxisTicks
        public var yTicks: AxisTicks
        /// Grid lines at the major ticks, under the series.
        public var grid: [Line]
        /// Tick marks outside the plot, major (5 px) and minor (3 px).
        public var tickMarks: [Line]
        public var series: [Series]
        /// The dashed vertical lines of the panel's markers.
        public var markers: [Line]
        public var legend: [LegendEntry]
        /// Titles, tick labels and the note.
        public var texts: [Text]
    }

    public let width: Int
    public let height: Int
    /// The chart's title, if any.
    public let title: Text?
    public let panels: [Panel]

    /// Places `chart`. Any chart can be placed: a width below 320 px is taken as 320, a plot
    /// height below 60 px as 60, and a panel without drawable points spans 0…1 (1…10 on a
    /// logarithmic axis).
    public init(_ chart: LineChart) {
        let width = max(chart.width, 320), plotHeight = max(chart.plotHeight, 60)
        let margin = 16, textHeight = ChartLayout.textHeight
        var top = margin
        var title: Text?
        if let text = chart.title {
            title = Text(string: text, x: width / 2, top: top, anchor: .middle, role: .title, color: ChartPalette.text)
            top += textHeight + 14
        }
        // The y ticks first: their labels decide where every plot starts.
        let yTicks = chart.panels.map { ChartLayout.yTicks(for: $0, plotHeight: plotHeight) }
        let labelWidth = yTicks.flatMap(\.major).map { BitmapFont.width(of: $0.label, scale: ChartLayout.textScale) }.max() ?? 0
        let plotX = margin + labelWidth + 10
        let plotWidth = max(width - plotX - 40, 40)
        var panels: [Panel] = []
        for (chartPanel, yTicks) in zip(chart.panels, yTicks) {
            // Header: title left, legend right (or on its own row).
            var texts = [Text(string: chartPanel.title, x: margin, top: top, anchor: .start, role: .panelTitle, color: ChartPalette.text)]
            let entries: [(String, RGBColor, Bool)] = chartPanel.series.map { ($0.name, $0.color, false) }
                + chartPanel.markers.map { ($0.label, $0.color, true) }
            let swatch = 24, swatchGap = 6, entryGap = 20
            let widths = entries.map { swatch + swatchGap + BitmapFont.width(of: $0.0, scale: ChartLayout.textScale) }
            let legendWidth = widths.reduce(0, +) + entryGap * max(entries.count - 1, 0)
            let titleWidth = BitmapFont.width(of: chartPanel.title, scale: ChartLayout.textScale)
            let rightEdge = plotX + plotWidth
            // One row right of the title if it fits; else rows of their own from the left margin.
            let besideTitle = margin + titleWidth + 24 + legendWidth <= rightEdge
            var legendTop = besideTitle ? top : top + textHeight + 6
            var legend: [LegendEntry] = []
            var cursor = besideTitle ? rightEdge - legendWidth : margin
            for ((name, color, dashed), width) in zip(entries, widths) {
                if !besideTitle && cursor > margin && cursor + width > rightEdge {
                    cursor = margin
                    legendTop += textHeight + 6
                }
                let middle = Double(legendTop + textHeight / 2)
                legend.append(LegendEntry(
                    swatch: Line(x0: Double(cursor), y0: middle, x1: Double(cursor + swatch - 1), y1: middle, color: color, width: 2, dashed: dashed),
                    text: Text(string: name, x: cursor + swatch + swatchGap, top: legendTop, anchor: .start, role: .legend, color: ChartPalette.text)))
                cursor += width + entryGap
            }
            top = (entries.isEmpty ? top : legendTop) + textHeight + 14
            let plot = Rect(x: plotX, y: top, width: plotWidth, height: plotHeight)
            let xTicks = ChartLayout.xTicks(for: chartPanel, plotWidth: plotWidth)
            let xMap = Mapping(scale: chartPanel.x.scale, domain: xTicks.domain, from: Double(plot.x), to: Double(plot.x + plot.width - 1))
            let yMap = Mapping(scale: chartPanel.y.scale, domain: yTicks.domain, from: Double(plot.y + plot.height - 1), to: Double(plot.y))
            var grid: [Line] = [], tickMarks: [Line] = []
            let (left, right) = (Double(plot.x), Double(plot.x + plot.width - 1))
            let (upper, lower) = (Double(plot.y), Double(plot.y + plot.height - 1))
            for tick in xTicks.major {
                let x = xMap.pixel(tick.value).rounded()
                grid.append(Line(x0: x, y0: upper, x1: x, y1: lower, color: ChartPalette.grid, width: 1, dashed: false))
                tickMarks.append(Line(x0: x, y0: lower + 1, x1: x, y1: lower + 5, color: ChartPalette.frame, width: 1, dashed: false))
                texts.append(Text(string: tick.label, x: Int(x), top: plot.y + plot.height + 8, anchor: .middle, role: .tickLabel, color: ChartPalette.text))
            }
            for value in xTicks.minor {
                let x = xMap.pixel(value).rounded()
                tickMarks.append(Line(x0: x, y0: lower + 1, x1: x, y1: lower + 3, color: ChartPalette.frame, width: 1, dashed: false))
            }
            for tick in yTicks.major {
                let y = yMap.pixel(tick.value).rounded()
                grid.append(Line(x0: left, y0: y, x1: right, y1: y, color: ChartPalette.grid, width: 1, dashed: false))
                tickMarks.append(Line(x0: left - 5, y0: y, x1: left - 1, y1: y, color: ChartPalette.frame, width: 1, dashed: false))
                texts.append(Text(string: tick.label, x: plot.x - 10, top: Int(y) - textHeight / 2, anchor: .end, role: .tickLabel, color: ChartPalette.text))
            }
            for value in yTicks.minor {
                let y = yMap.pixel(value).rounded()
                tickMarks.append(Line(x0: left - 3, y0: y, x1: left - 1, y1: y, color: ChartPalette.frame, width: 1, dashed: false))
            }
            top = plot.y + plot.height + 8 + textHeight
            if !chartPanel.x.title.isEmpty {
                top += 8
                texts.append(Text(string: chartPanel.x.title, x: plot.x + plot.width / 2, top: top, anchor: .middle, role: .axisTitle, color: ChartPalette.text))
                top += textHeight
            }
            if let note = chartPanel.note {
                top += 8
                texts.append(Text(string: note, x: plot.x, top: top, anchor: .start, role: .note, color: ChartPalette.note))
                top += textHeight
            }
            top += 24
            let clip = (left: left, right: right, top: upper, bottom: lower)
            let series = chartPanel.series.map { ChartLayout.place($0, x: xMap, y: yMap, clip: clip) }
            let markers = chartPanel.markers.compactMap { marker -> Line? in
                guard xMap.canDraw(marker.x) else { return nil }
                let x = xMap.pixel(marker.x).rounded()
                guard x >= left && x <= right else { return nil }
                return Line(x0: x, y0: upper, x1: x, y1: lower, color: marker.color, width: 2, dashed: true)
            }
            panels.append(Panel(id: chartPanel.id, plot: plot, xTicks: xTicks, yTicks: yTicks, grid: grid, tickMarks: tickMarks,
                                series: series, markers: markers, legend: legend, texts: texts))
        }
        self.width = width
        self.height = top - 24 + margin
        self.title = title
        self.panels = panels
    }

    /// Every text of the chart, in drawing order (titles, tick labels, notes, then the legend).
    public var texts: [Text] {
        (title.map { [$0] } ?? []) + panels.flatMap { $0.texts + $0.legend.map(\.text) }
    }

    // MARK: - Axes

    /// Data values along one axis to pixels.
    struct Mapping {
        let scale: ChartScale
        let low: Double, high: Double
        let from: Double, to: Double

        init(scale: ChartScale, domain: ClosedRange<Double>, from: Double, to: Double) {
            self.scale = scale
            let transform = { (v: Double) in scale == .logarithmic ? log10(v) : v }
            (low, high) = (transform(domain.lowerBound), transform(domain.upperBound))
            (self.from, self.to) = (from, to)
        }

        func canDraw(_ value: Double) -> Bool { value.isFinite && (scale == .linear || value > 0) }

        func pixel(_ value: Double) -> Double {
            let t = scale == .logarithmic ? log10(value) : value
            return from + (t - low) / (high - low) * (to - from)
        }
    }

    /// The finite values of a panel along one axis that its scale can draw.
    private static func values(_ values: [Double], scale: ChartScale) -> (Double, Double)? {
        let drawable = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard let low = drawable.min(), let high = drawable.max() else { return nil }
        return (low, high)
    }

    private static func ticks(_ axis: ChartAxis, values all: [Double], target: Int) -> AxisTicks {
        let fixed = axis.range.flatMap { range -> ClosedRange<Double>? in
            let valid = range.lowerBound.isFinite && range.upperBound.isFinite && range.upperBound > range.lowerBound
                && (axis.scale == .linear || range.lowerBound > 0)
            return valid ? range : nil
        }
        switch axis.scale {
        case .linear:
            let (low, high) = values(all, scale: .linear) ?? (0, 1)
            return ChartTicks.linear(low: low, high: high, target: target, integer: axis.integerTicks, fixed: fixed)
        case .logarithmic:
            let (low, high) = values(all, scale: .logarithmic) ?? (1, 10)
            return ChartTicks.logarithmic(low: low, high: high, maximumLabels: target, fixed: fixed)
        }
    }

    /// About one labelled y tick per 45 px.
    private static func yTicks(for panel: ChartPanel, plotHeight: Int) -> AxisTicks {
        ticks(panel.y, values: panel.series.flatMap { $0.points.map(\.y) }, target: max(2, plotHeight / 45))
    }

    /// As many x ticks as fit: from one per 90 px down until the labels are 12 px apart.
    private static func xTicks(for panel: ChartPanel, plotWidth: Int) -> AxisTicks {
        let values = panel.series.flatMap { $0.points.map(\.x) } + panel.markers.map(\.x)
        var target = max(2, plotWidth / 90)
        while true {
            let ticks = ticks(panel.x, values: values, target: target)
            let map = Mapping(scale: panel.x.scale, domain: ticks.domain, from: 0, to: Double(plotWidth - 1))
            let spans = ticks.major.map { tick -> (Double, Double) in
                let centre = map.pixel(tick.value), half = Double(BitmapFont.width(of: tick.label, scale: textScale)) / 2
                return (centre - half, centre + half)
            }
            let fits = zip(spans, spans.dropFirst()).allSatisfy { $0.1 + 12 <= $1.0 }
            if fits || target <= 2 { return ticks }
            target -= 1
        }
    }

    // MARK: - Series

    /// The series in pixels: broken where a point cannot be drawn, clipped to the plot.
    private static func place(_ series: ChartSeries, x: Mapping, y: Mapping,
                              clip: (left: Double, right: Double, top: Double, bottom: Double)) -> Series {
        var lines: [[Pixel]] = [], run: [Pixel] = [], marks: [Pixel] = []
        var leftOut = 0
        var previous: Pixel?
        func endRun() {
            if run.count >= 2 { lines.append(run) }
            run = []
        }
        for point in series.points {
            guard x.canDraw(point.x) && y.canDraw(point.y) else {
                leftOut += 1
                previous = nil
                endRun()
                continue
            }
            let pixel = Pixel(x: x.pixel(point.x), y: y.pixel(point.y))
            let inside = pixel.x >= clip.left && pixel.x <= clip.right && pixel.y >= clip.top && pixel.y <= clip.bottom
            if series.marksPoints && inside { marks.append(pixel) }
            defer { previous = pixel }
            guard let start = previous else { continue }
            guard let (a, b) = clipSegment(start, pixel, clip) else {
                endRun()
                continue
            }
            if run.isEmpty || a != start { endRun(); run = [a] }
            run.append(b)
            if b != pixel { endRun() }
        }
        endRun()
        return Series(id: series.id, name: series.name, color: series.color, lines: lines, marks: marks, leftOut: leftOut)
    }

    /// The part of the segment `a`–`b` inside the rectangle (Liang–Barsky), or `nil`.
    static func clipSegment(_ a: Pixel, _ b: Pixel, _ clip: (left: Double, right: Double, top: Double, bottom: Double)) -> (Pixel, Pixel)? {
        let dx = b.x - a.x, dy = b.y - a.y
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, a.x - clip.left), (dx, clip.right - a.x), (-dy, a.y - clip.top), (dy, clip.bottom - a.y)] {
            if p == 0 {
                if q < 0 { return nil }
                continue
            }
            let t = q / p
            if p < 0 { t0 = max(t0, t) } else { t1 = min(t1, t) }
            if t0 > t1 { return nil }
        }
        let start = t0 == 0 ? a : Pixel(x: a.x + t0 * dx, y: a.y + t0 * dy)
        let end = t1 == 1 ? b : Pixel(x: a.x + t1 * dx, y: a.y + t1 * dy)
        return (start, end)
    }
}
