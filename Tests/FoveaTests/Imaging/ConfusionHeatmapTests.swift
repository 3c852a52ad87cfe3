import Foundation
import Testing
import Fovea

/// The confusion heatmap's documented layout, colours and text, on matrices worked out by hand.
@Suite struct ConfusionHeatmapTests {
    static let matrix = [[1135, 2, 0], [5, 980, 1], [0, 0, 7]]

    @Test func layoutByHand() {
        let h = ConfusionHeatmap(matrix: ConfusionHeatmapTests.matrix)
        // Up to 20 classes the text is at scale 2 (14 px tall); "1135" is (4·6 − 1)·2 = 46 px wide, so
        // cells are 46 + 2·6 = 58 px; the label column is as wide as "true" (46 px): x0 = 8 + 46 + 6 = 60,
        // y0 = 8 + 13 + 2·14 + 8 = 57; the matrix spans 3·59 + 1 = 178 px.
        #expect(h.scale == 2 && h.cellSize == 58 && h.matrixLeft == 60 && h.matrixTop == 57)
        #expect(h.cellOrigin(row: 1, column: 2) == (179, 117))
        #expect(h.title == "confusion matrix: 2130 samples, 2122 on the diagonal")
        #expect(h.legend == "colour: log(1 + count), white 0 to dark blue 1135")
        // The title is the widest thing: 52 characters, 311 px.
        #expect(h.width == 2 * 8 + 311 && h.height == 57 + 178 + 8 + 7 + 8)
        let picture = h.render()
        #expect(picture.width == 327 && picture.height == 258)
    }

    @Test func countsLabelsAndTitlesReadBack() {
        let h = ConfusionHeatmap(matrix: ConfusionHeatmapTests.matrix)
        let picture = h.render()
        // Cell (1, 2) holds "1", centred: (179 + (58 − 10)/2, 117 + (58 − 14)/2).
        #expect(h.countOrigin(row: 1, column: 2) == (203, 139))
        #expect(BitmapFont.text(in: picture, x: 203, y: 139, count: 1, scale: 2, ink: ConfusionHeatmap.darkInk) == "1")
        // The largest count in white on the darkest blue; an empty cell's 0 in light gray.
        #expect(BitmapFont.text(in: picture, x: 61 + 6, y: 58 + 22, count: 4, scale: 2, ink: ConfusionHeatmap.lightInk) == "1135")
        #expect(BitmapFont.text(in: picture, x: 203, y: 80, count: 1, scale: 2, ink: ConfusionHeatmap.zeroInk) == "0")
        for row in 0 ..< 3 {
            for column in 0 ..< 3 {
                let count = ConfusionHeatmapTests.matrix[row][column]
                let at = h.countOrigin(row: row, column: column)
                let ink = ConfusionHeatmap.ink(count: count, on: ConfusionHeatmap.color(count: count, largest: 1135))
                #expect(BitmapFont.text(in: picture, x: at.x, y: at.y, count: "\(count)".count, scale: 2, ink: ink) == "\(count)", "(\(row), \(column))")
            }
            // Row labels right-aligned at x0 − 6 = 54, column labels centred above the cells at y = 8 + 13 + 14 + 4 = 39.
            #expect(BitmapFont.text(in: picture, x: 44, y: 80 + 59 * row, count: 1, scale: 2, ink: ConfusionHeatmap.labelInk) == "\(row)")
            #expect(BitmapFont.text(in: picture, x: 61 + 59 * row + 24, y: 39, count: 1, scale: 2, ink: ConfusionHeatmap.labelInk) == "\(row)")
        }
        #expect(BitmapFont.text(in: picture, x: 8, y: 39, count: 4, scale: 2, ink: ConfusionHeatmap.labelInk) == "true")
        // "predicted" (106 px) centred over the 178 px of the matrix: x = 60 + 36.
        #expect(BitmapFont.text(in: picture, x: 96, y: 21, count: 9, scale: 2, ink: ConfusionHeatmap.labelInk) == "predicted")
        #expect(BitmapFont.text(in: picture, x: 8, y: 8, count: h.title.count, ink: ConfusionHeatmap.titleInk) == h.title)
        #expect(BitmapFont.text(in: picture, x: 8, y: 57 + 178 + 8, count: h.legend.count, ink: ConfusionHeatmap.legendInk) == h.legend)
    }

    @Test func coloursFollowTheLogScale() {
        let picture = ConfusionHeatmap(matrix: ConfusionHeatmapTests.matrix).render()
        // A corner pixel of each cell (never under text).
        #expect(picture[58, 61] == RGBColor(hex: 0x08306B))                 // 1135, the largest: the ramp's end
        #expect(picture[58, 61 + 2 * 59] == .white)                         // 0: white
        #expect(picture[58 + 2 * 59, 61 + 2 * 59] == ConfusionHeatmap.color(count: 7, largest: 1135))
        #expect(picture[57, 61] == ConfusionHeatmap.gridInk && picture[58, 60] == ConfusionHeatmap.gridInk)
        // log(8) / log(1136) = 0.2956: 59 % of the way from white to #6BAED6.
        #expect(ConfusionHeatmap.color(count: 7, largest: 1135) == RGBColor.white.mixed(with: RGBColor(hex: 0x6BAED6), fraction: 2 * log(8.0) / log(1136.0)))
        // Darker with every count; text switches to white where the fill's luma drops below 128.
        let lumas = (0 ... 1135).map { ConfusionHeatmap.color(count: $0, largest: 1135).luma }
        #expect(zip(lumas, lumas.dropFirst()).allSatisfy { $0 >= $1 } && lumas[0] > lumas[1])
        #expect(ConfusionHeatmap.ink(count: 1, on: ConfusionHeatmap.color(count: 1, largest: 1135)) == ConfusionHeatmap.darkInk)
        #expect(ConfusionHeatmap.ink(count: 1135, on: ConfusionHeatmap.color(count: 1135, largest: 1135)) == ConfusionHeatmap.lightInk)
        // All zero: every cell white, no division by zero.
        #expect(ConfusionHeatmap.color(count: 0, largest: 0) == .white)
    }

    /// 256 classes, the most a checkpoint can have: scale 1, cells as wide as the label "255".
    @Test func theLargestNumberOfClasses() {
        let n = 256
        let matrix = (0 ..< n).map { r in (0 ..< n).map { c in r == c ? 39 : (r + 1) % n == c ? 2 : 0 } }
        let h = ConfusionHeatmap(matrix: matrix)
        // "255" is 17 px: cells 17 + 6 = 23, label column 23 ("true"), x0 = 37, y0 = 8 + 13 + 14 + 8 = 43.
        #expect(h.scale == 1 && h.cellSize == 23 && h.matrixLeft == 37 && h.matrixTop == 43)
        #expect(h.width == 37 + 256 * 24 + 1 + 8 && h.height == 43 + 256 * 24 + 1 + 8 + 7 + 8)
        let picture = h.render()
        for (row, column) in [(0, 0), (0, 1), (255, 255), (255, 0), (128, 3)] {
            let count = matrix[row][column]
            let at = h.countOrigin(row: row, column: column)
            let ink = ConfusionHeatmap.ink(count: count, on: ConfusionHeatmap.color(count: count, largest: 39))
            #expect(BitmapFont.text(in: picture, x: at.x, y: at.y, count: "\(count)".count, ink: ink) == "\(count)")
        }
        let label = h.rowLabelOrigin(255), top = h.columnLabelOrigin(255)
        #expect(BitmapFont.text(in: picture, x: label.x, y: label.y, count: 3, ink: ConfusionHeatmap.labelInk) == "255")
        #expect(BitmapFont.text(in: picture, x: top.x, y: top.y, count: 3, ink: ConfusionHeatmap.labelInk) == "255")
    }

    /// Written atomically as PNG and decoded again: the same pixels.
    @Test func theFileDecodesToThePicture() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("confusion.png").path
        let picture = ConfusionHeatmap(matrix: ConfusionHeatmapTests.matrix).render()
        try PNGWriter.write(picture, to: path)
        let decoded = try PNGReader.readRGB(path)
        #expect(decoded == picture)
        #expect(BitmapFont.text(in: decoded, x: 67, y: 80, count: 4, scale: 2, ink: ConfusionHeatmap.lightInk) == "1135")
    }
}
