/// A line chart: one or more panels stacked top to bottom, each with its own axes, series and
/// legend. It is only a description; `ChartLayout` places it in pixels, and `SVGRenderer` and
/// `RasterRenderer` draw that one layout, so the SVG and the PNG of a chart show the same thing.
///
/// Fovea draws its training curves (`fovea plot`) and its learning-rate range test
/// (`fovea lr-find`) with it.
public struct LineChart: Hashable, Sendable {
    /// Width of the whole picture in pixels.
    public var width: Int
    /// Height of each panel's plot area in pixels (the picture's height follows from it).
    public var plotHeight: Int
    /// A title over the whole chart (`nil`: none).
    public var title: String?
    /// The panels, top to bottom.
    public var panels: [ChartPanel]

    public init(width: Int = 900, plotHeight: Int = 220, title: String? = nil, panels: [ChartPanel]) {
        self.width = width
        self.plotHeight = plotHeight
        self.title = title
        self.panels = panels
    }
}

/// One panel: a plot area with an x and a y axis, the series drawn in it, vertical markers, and
/// a header with the panel's title (what the y axis shows, e.g. "loss") on the left and the
/// legend on the right.
public struct ChartPanel: Hashable, Sendable {
    /// Names the panel in SVG ids (`panel-<id>`): letters, digits and `-` only.
    public var id: String
    /// Drawn above the plot, on the left: what the y axis shows, with its unit.
    public var title: String
    public var x: ChartAxis
    public var y: ChartAxis
    /// Drawn in order (later series over earlier ones).
    public var series: [ChartSeries]
    /// Vertical lines across the plot at given x values, listed in the legend.
    public var markers: [ChartMarker]
    /// A line under the x axis's title, e.g. which values could not be drawn (`nil`: none).
    public var note: String?

    public init(id: String, title: String, x: ChartAxis, y: ChartAxis, series: [ChartSeries], markers: [ChartMarker] = [], note: String? = nil) {
        self.id = id
        self.title = title
        self.x = x
        self.y = y
        self.series = series
        self.markers = markers
        self.note = note
    }
}

/// How values map to positions along an axis.
public enum ChartScale: String, Hashable, Sendable {
    /// Equal differences, equal distances; ticks at 1-2-5 steps.
    case linear
    /// Equal ratios, equal distances; ticks at powers of ten. Only values > 0 can be drawn.
    case logarithmic
}

/// One axis of a panel.
public struct ChartAxis: Hashable, Sendable {
    /// Drawn under the x axis; for the y axis the panel's title says what it shows.
    public var title: String
    public var scale: ChartScale
    /// Ticks at whole numbers only (epochs, steps).
    public var integerTicks: Bool
    /// The values the axis spans; `nil`: the data's range, widened to the next ticks. Points
    /// outside it are clipped at the plot's edge.
    public var range: ClosedRange<Double>?

    public init(title: String = "", scale: ChartScale = .linear, integerTicks: Bool = false, range: ClosedRange<Double>? = nil) {
        self.title = title
        self.scale = scale
        self.integerTicks = integerTicks
        self.range = range
    }
}

/// A point in data units.
public struct ChartPoint: Hashable, Sendable {
    public var x: Double, y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }
}

/// One line of a panel, listed in its legend as `name`.
///
/// A point that cannot be drawn (a coordinate NaN or infinite, or ≤ 0 on a logarithmic axis)
/// is left out and breaks the line there; `ChartLayout` counts such points.
public struct ChartSeries: Hashable, Sendable {
    /// The legend's text.
    public var name: String
    /// Names the series in SVG classes and ids: letters, digits and `-` only.
    public var id: String
    public var points: [ChartPoint]
    public var color: RGBColor
    /// Whether each point also gets a small square (for series of few points).
    public var marksPoints: Bool

    public init(name: String, id: String, points: [ChartPoint], color: RGBColor, marksPoints: Bool = false) {
        self.name = name
        self.id = id
        self.points = points
        self.color = color
        self.marksPoints = marksPoints
    }
}

/// A dashed vertical line across a panel's plot at `x`, listed in its legend as `label`.
public struct ChartMarker: Hashable, Sendable {
    public var x: Double
    public var label: String
    public var color: RGBColor

    public init(x: Double, label: String, color: RGBColor) {
        self.x = x
        self.label = label
        self.color = color
    }
}
