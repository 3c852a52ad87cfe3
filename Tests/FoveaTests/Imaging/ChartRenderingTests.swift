import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import Fovea

/// What an SVG document says: its root's attributes, its texts by class, and the point count
/// of each polyline by the id of its series group.
final class SVGContent: NSObject, XMLParserDelegate {
    var root: [String: String] = [:]
    var texts: [(role: String, text: String)] = []
    var polylines: [(series: String, points: Int)] = []
    var elements: [String: Int] = [:]
    private var group: [String] = []
    private var openText: (role: String, text: String)?
    private(set) var error: Error?

    init(_ bytes: [UInt8]) {
        super.init()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError ?? CocoaError(.fileReadCorruptFile) }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
        switch name {
        case "svg": root = attributes
        case "g": group.append(attributes["id"] ?? "")
        case "text": openText = (attributes["class"] ?? "", "")
        case "polyline":
            let points = (attributes["points"] ?? "").split(separator: " ").count
            polylines.append((group.last ?? "", points))
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        openText?.text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "g" { group.removeLast() }
        if name == "text", let text = openText {
            texts.append(text)
            openText = nil
        }
    }

    func texts(_ role: String) -> [String] { texts.filter { $0.role == role }.map(\.text) }
}

@Suite struct ChartRenderingTests {
    /// Two panels: a linear one with two series (one with a NaN in the middle) and a log one
    /// with a marker, a fixed range and a point far above it.
    static let chart = LineChart(width: 640, plotHeight: 150, title: "a <test> & \"chart\"", panels: [
        ChartPanel(id: "loss", title: "loss", x: ChartAxis(title: "epoch", integerTicks: true, range: 1 ... 4), y: ChartAxis(), series: [
            ChartSeries(name: "train", id: "train", points: [(1, 2.0), (2, 1.0), (3, 0.5), (4, 0.25)].map { ChartPoint(x: $0, y: $1) },
                        color: ChartPalette.blue, marksPoints: true),
            ChartSeries(name: "test", id: "test", points: [(1, 1.5), (2, .nan), (3, 0.75), (4, 0.6)].map { ChartPoint(x: $0, y: $1) },
                        color: ChartPalette.bluishGreen),
        ], note: "note: test loss is NaN in epoch 2, not drawn"),
        ChartPanel(id: "sweep", title: "smoothed loss", x: ChartAxis(title: "learning rate", scale: .logarithmic, range: 1e-4 ... 1),
                   y: ChartAxis(range: 0 ... 3), series: [
                       ChartSeries(name: "loss", id: "loss", points: [(1e-4, 2.5), (1e-3, 2.0), (1e-2, 1.0), (0.1, 9.0), (1, 2.9)].map { ChartPoint(x: $0, y: $1) },
                                   color: ChartPalette.blue),
                   ], markers: [ChartMarker(x: 0.003, label: "suggested 0.003", color: ChartPalette.vermillion)]),
    ])

    @Test func theLayoutBreaksAndClipsLines() {
        let layout = ChartLayout(ChartRenderingTests.chart)
        #expect(layout.panels.count == 2)
        let test = layout.panels[0].series[1]
        // (1, 1.5) alone before the NaN draws no line; 3 → 4 is one line of two points.
        #expect(test.leftOut == 1 && test.lines.map(\.count) == [2])
        let train = layout.panels[0].series[0]
        #expect(train.lines.map(\.count) == [4] && train.marks.count == 4)
        // The point at 9 (above 0 … 3) leaves the plot at its top edge and comes back.
        let sweep = layout.panels[1].series[0]
        #expect(sweep.lines.map(\.count) == [4, 2])
        let plot = layout.panels[1].plot
        #expect(sweep.lines.joined().allSatisfy { $0.y >= Double(plot.y) && $0.y <= Double(plot.y + plot.height - 1) })
        #expect(sweep.lines[0].last?.y == Double(plot.y))
        #expect(layout.panels[1].markers.count == 1)
        // The x ticks of the log axis: the decades.
        #expect(layout.panels[1].xTicks.major.map(\.label) == ["1e-4", "0.001", "0.01", "0.1", "1"])
        #expect(layout.panels[0].xTicks.major.map(\.label) == ["1", "2", "3", "4"])
    }

    @Test func svgIsValidXMLWithTheLabelsAndLines() throws {
        let svg = SVGRenderer.render(ChartRenderingTests.chart)
        let content = SVGContent(Array(svg.utf8))
        #expect(content.error == nil)
        let layout = ChartLayout(ChartRenderingTests.chart)
        #expect(content.root["width"] == "\(layout.width)" && content.root["height"] == "\(layout.height)")
        #expect(content.root["viewBox"] == "0 0 \(layout.width) \(layout.height)")
        #expect(layout.width == 640)
        // Escaped on the way out, read back as written.
        #expect(content.texts("title") == ["a <test> & \"chart\""])
        #expect(content.texts("panel-title") == ["loss", "smoothed loss"])
        #expect(content.texts("axis-title") == ["epoch", "learning rate"])
        #expect(content.texts("legend") == ["train", "test", "loss", "suggested 0.003"])
        #expect(content.texts("note") == ["note: test loss is NaN in epoch 2, not drawn"])
        let ticks = content.texts("tick-label")
        for label in ["1", "2", "3", "4", "1e-4", "0.001", "0.01", "0.1", "0", "3"] {
            #expect(ticks.contains(label), "tick label \(label)")
        }
        #expect(content.polylines.map(\.series) == ["loss-train", "loss-test", "sweep-loss", "sweep-loss"])
        #expect(content.polylines.map(\.points) == [4, 2, 4, 2])
        #expect(content.elements["rect", default: 0] == 1 + 2 + 4)  // background, two plots, train's points
    }

    @Test func rasterDrawsTheSameLayout() throws {
        let layout = ChartLayout(ChartRenderingTests.chart)
        let image = RasterRenderer.render(layout)
        #expect(image.width == layout.width && image.height == layout.height)
        #expect(image[0, 0] == .white)
        // Every label reads back where the layout put it.
        for text in layout.texts where text.string.allSatisfy({ $0.isASCII }) {
            let read = BitmapFont.text(in: image, x: text.left, y: text.top, count: text.string.count, scale: ChartLayout.textScale, ink: text.color)
            #expect(read == text.string, "\(text.role): \(text.string)")
        }
        // A series' point is its colour; the frame is one pixel outside the plot.
        let train = layout.panels[0].series[0]
        let point = train.lines[0][1]
        #expect(image[Int(point.y.rounded()), Int(point.x.rounded())] == ChartPalette.blue)
        let plot = layout.panels[0].plot
        #expect(image[plot.y - 1, plot.x + plot.width / 2] == ChartPalette.frame)
        // Nothing of the clipped series above the second plot.
        let sweep = layout.panels[1].plot
        let above = (sweep.y - 12 ..< sweep.y - 1).flatMap { row in (sweep.x ..< sweep.x + sweep.width).map { image[row, $0] } }
        #expect(!above.contains(ChartPalette.blue))
        // The marker's dashes, in vermillion, at its x.
        let marker = layout.panels[1].markers[0]
        let column = Int(marker.x0)
        #expect((sweep.y ..< sweep.y + sweep.height).filter { image[$0, column] == ChartPalette.vermillion }.count > sweep.height / 3)
    }

    @Test func anyChartLaysOut() {
        // No panels, no points, a tiny size, only NaN: a picture all the same.
        for chart in [
            LineChart(width: 10, plotHeight: 1, panels: []),
            LineChart(panels: [ChartPanel(id: "e", title: "", x: ChartAxis(), y: ChartAxis(scale: .logarithmic), series: [
                ChartSeries(name: "nan", id: "nan", points: [ChartPoint(x: .nan, y: -1), ChartPoint(x: 1, y: 0)], color: .black),
            ])]),
        ] {
            let layout = ChartLayout(chart)
            #expect(layout.width >= 320 && layout.height > 0)
            _ = RasterRenderer.render(layout)
            #expect(SVGContent(Array(SVGRenderer.render(layout).utf8)).error == nil)
        }
    }

    @Test func filesAreWrittenByExtension() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fovea-chart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(ChartFile.format(of: "a/b.SVG") == .svg && ChartFile.format(of: "x.png") == .png)
        #expect(ChartFile.format(of: "x.svg/y") == nil && ChartFile.format(of: "x.jpg") == nil)
        let svg = folder.appendingPathComponent("c.svg").path
        let size = try ChartFile.write(ChartRenderingTests.chart, to: svg)
        let content = SVGContent([UInt8](try Data(contentsOf: URL(fileURLWithPath: svg))))
        #expect(content.error == nil && content.root["width"] == "\(size.width)")
        let png = folder.appendingPathComponent("c.png").path
        try ChartFile.write(ChartRenderingTests.chart, to: png)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: png)))
        // IHDR: width and height big-endian at bytes 16 and 20, bit depth 8, colour type 2.
        let word = { (i: Int) in bytes[i ..< i + 4].reduce(0) { $0 << 8 | Int($1) } }
        #expect(word(16) == size.width && word(20) == size.height && bytes[24] == 8 && bytes[25] == 2)
        // Decoded by libpng: the picture drawn, with its labels.
        let image = try PNGReader.readRGB(png)
        #expect(image == RasterRenderer.render(ChartRenderingTests.chart))
        let layout = ChartLayout(ChartRenderingTests.chart)
        for text in layout.panels.flatMap({ $0.legend.map(\.text) }) {
            #expect(BitmapFont.text(in: image, x: text.left, y: text.top, count: text.string.count, scale: ChartLayout.textScale, ink: text.color) == text.string)
        }
        #expect(throws: ChartFileError.unknownFormat(file: "x.gif")) { try ChartFile.write(ChartRenderingTests.chart, to: "x.gif") }
        #expect(throws: ChartFileError.self) { try ChartFile.write(ChartRenderingTests.chart, to: folder.appendingPathComponent("no/such/c.svg").path) }
    }
}
