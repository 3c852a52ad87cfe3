/// Draws a `ChartLayout` into an `RGBImage` of `layout.width × layout.height` pixels, for PNG.
///
/// White background; grid lines 1 px (#E3E3E3); the plot's frame 1 px (#555555) one pixel
/// outside the plot area; series 2 px lines (a 2 × 2 pen whose top-left pixel follows the
/// line, so the point itself is always inked) in their colours, drawn in order after the grid;
/// point squares 6 × 6; markers 2 px dashed (6 on, 4 off); text in `BitmapFont` at
/// `ChartLayout.textScale`, black (notes gray). Text lies outside the plot area, so every label
/// reads back with `BitmapFont.text(in:x:y:count:scale:ink:)` at its `ChartLayout.Text.left`.
public enum RasterRenderer {
    /// The picture of `chart`.
    public static func render(_ chart: LineChart) -> RGBImage {
        render(ChartLayout(chart))
    }

    /// The picture of a laid-out chart.
    public static func render(_ layout: ChartLayout) -> RGBImage {
        var image = RGBImage(width: layout.width, height: layout.height, fill: ChartPalette.background)
        if let title = layout.title { draw(title, into: &image) }
        for panel in layout.panels {
            for line in panel.grid { draw(line, into: &image) }
            let plot = panel.plot
            image.stroke(x: plot.x - 1, y: plot.y - 1, width: plot.width + 2, height: plot.height + 2, color: ChartPalette.frame)
            for line in panel.tickMarks { draw(line, into: &image) }
            for series in panel.series {
                for run in series.lines {
                    for (a, b) in zip(run, run.dropFirst()) {
                        draw(ChartLayout.Line(x0: a.x, y0: a.y, x1: b.x, y1: b.y, color: series.color, width: 2, dashed: false), into: &image)
                    }
                }
                for mark in series.marks {
                    image.fill(x: Int(mark.x.rounded()) - 3, y: Int(mark.y.rounded()) - 3, width: 6, height: 6, color: series.color)
                }
            }
            for marker in panel.markers { draw(marker, into: &image) }
            for text in panel.texts { draw(text, into: &image) }
            for entry in panel.legend {
                draw(entry.swatch, into: &image)
                draw(entry.text, into: &image)
            }
        }
        return image
    }

    private static func draw(_ text: ChartLayout.Text, into image: inout RGBImage) {
        image.draw(text: text.string, x: text.left, y: text.top, color: text.color, scale: ChartLayout.textScale)
    }

    /// A line between rounded end points; a 2 px line's pen starts at the line (offset 0, +1).
    private static func draw(_ line: ChartLayout.Line, into image: inout RGBImage) {
        let (x0, y0) = (Int(line.x0.rounded()), Int(line.y0.rounded()))
        let (x1, y1) = (Int(line.x1.rounded()), Int(line.y1.rounded()))
        guard line.dashed else {
            image.line(from: x0, y0, to: x1, y1, color: line.color, thickness: line.width)
            return
        }
        // Dashes of 6 px with gaps of 4, along the line.
        let dx = Double(x1 - x0), dy = Double(y1 - y0)
        let length = max(abs(dx), abs(dy))
        guard length > 0 else {
            image.line(from: x0, y0, to: x1, y1, color: line.color, thickness: line.width)
            return
        }
        var start = 0.0
        while start <= length {
            let end = min(start + 5, length)
            image.line(from: x0 + Int((dx * start / length).rounded()), y0 + Int((dy * start / length).rounded()),
                       to: x0 + Int((dx * end / length).rounded()), y0 + Int((dy * end / length).rounded()),
                       color: line.color, thickness: line.width)
            start += 10
        }
    }
}
