/// Draws a `ChartLayout` as an SVG document (SVG 1.1, UTF-8): valid XML, with an explicit
/// `width`, `height` and `viewBox` in pixels, so that it opens at the same size as the PNG.
///
/// Structure (for programs and tests that read it back):
/// ```
/// <svg …>  <title>the chart's title</title>  <rect class="background" …/>
///   <text class="title" …>                             the chart's title, if any
///   <g class="panel" id="panel-ID">                    one per panel
///     <g class="grid">…<line/>…</g>  <rect class="plot" …/>  <g class="ticks">…</g>
///     <g class="series" id="ID-SERIES" data-name="NAME">   one per series
///       <polyline class="series SERIES" points="x,y …"/>   one per unbroken run of points
///       <rect class="point" …/>                        one per point, if the series marks them
///     <line class="marker" …/>                         one per marker
///     <text class="panel-title|tick-label|axis-title|note" …>
///     <g class="legend"> <line class="swatch"/> <text class="legend">NAME</text> … </g>
/// ```
/// Text is `<text>` in the viewer's monospace font (font-size 20 px, about the 12 × 14 px cell
/// of the bitmap font), with `text-anchor` as laid out; `&`, `<`, `>`, `"` and `'` are escaped.
/// Coordinates are pixels from the top-left corner, with at most two decimals.
public enum SVGRenderer {
    /// The SVG document of `chart`.
    public static func render(_ chart: LineChart) -> String {
        render(ChartLayout(chart), title: chart.title)
    }

    /// The SVG document of a laid-out chart; `title` goes into `<title>`.
    public static func render(_ layout: ChartLayout, title: String? = nil) -> String {
        var out = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="\(layout.width)" height="\(layout.height)" \
        viewBox="0 0 \(layout.width) \(layout.height)" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="20">

        """
        if let title { out += "<title>\(escaped(title))</title>\n" }
        out += "<rect class=\"background\" x=\"0\" y=\"0\" width=\"\(layout.width)\" height=\"\(layout.height)\" fill=\"\(hex(ChartPalette.background))\"/>\n"
        if let text = layout.title { out += element(text) }
        for panel in layout.panels {
            out += "<g class=\"panel\" id=\"panel-\(escaped(panel.id))\">\n"
            out += "<g class=\"grid\">\n" + panel.grid.map(element).joined() + "</g>\n"
            let plot = panel.plot
            out += "<rect class=\"plot\" x=\"\(Double(plot.x) - 0.5)\" y=\"\(Double(plot.y) - 0.5)\" width=\"\(plot.width + 1)\" height=\"\(plot.height + 1)\" "
                + "fill=\"none\" stroke=\"\(hex(ChartPalette.frame))\" stroke-width=\"1\"/>\n"
            out += "<g class=\"ticks\">\n" + panel.tickMarks.map(element).joined() + "</g>\n"
            for series in panel.series {
                out += "<g class=\"series\" id=\"\(escaped(panel.id))-\(escaped(series.id))\" data-name=\"\(escaped(series.name))\">\n"
                for line in series.lines {
                    let points = line.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
                    out += "<polyline class=\"series \(escaped(series.id))\" points=\"\(points)\" fill=\"none\" stroke=\"\(hex(series.color))\" "
                        + "stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n"
                }
                for mark in series.marks {
                    out += "<rect class=\"point\" x=\"\(number(mark.x - 3))\" y=\"\(number(mark.y - 3))\" width=\"6\" height=\"6\" fill=\"\(hex(series.color))\"/>\n"
                }
                out += "</g>\n"
            }
            out += panel.markers.map { element($0, class: "marker") }.joined()
            out += panel.texts.map(element).joined()
            out += "<g class=\"legend\">\n"
            for entry in panel.legend {
                out += element(entry.swatch, class: "swatch") + element(entry.text)
            }
            out += "</g>\n</g>\n"
        }
        return out + "</svg>\n"
    }

    private static func element(_ text: ChartLayout.Text) -> String {
        // The bitmap font's cell is 14 px high with its baseline at the bottom: the SVG baseline.
        "<text class=\"\(text.role.rawValue)\" x=\"\(text.x)\" y=\"\(text.top + ChartLayout.textHeight)\" text-anchor=\"\(text.anchor.rawValue)\" "
            + "fill=\"\(hex(text.color))\">\(escaped(text.string))</text>\n"
    }

    private static func element(_ line: ChartLayout.Line) -> String {
        element(line, class: nil)
    }

    /// One-pixel lines sit on pixel centres (+0.5), as the raster draws them.
    private static func element(_ line: ChartLayout.Line, class name: String?) -> String {
        let shift = line.width % 2 == 1 ? 0.5 : 0
        return "<line\(name.map { " class=\"\($0)\"" } ?? "") x1=\"\(number(line.x0 + shift))\" y1=\"\(number(line.y0 + shift))\" "
            + "x2=\"\(number(line.x1 + shift))\" y2=\"\(number(line.y1 + shift))\" stroke=\"\(hex(line.color))\" stroke-width=\"\(line.width)\""
            + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
    }

    /// `#rrggbb`.
    static func hex(_ color: RGBColor) -> String {
        "#" + [color.red, color.green, color.blue].map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    /// A coordinate with at most two decimals, without trailing zeros.
    static func number(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(rounded)
        if text.contains("e") { text = String(Int(rounded.rounded())) }
        return text
    }

    /// `text` safe inside XML text and attribute values.
    public static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // Control characters are not allowed in XML 1.0: shown as "?".
                if let ascii = character.asciiValue, ascii < 32 { out += "?" } else { out.append(character) }
            }
        }
        return out
    }
}
