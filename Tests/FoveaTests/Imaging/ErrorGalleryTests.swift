import Foundation
import Testing
import Fovea

/// The error gallery's documented layout, checked pixel by pixel on a picture whose numbers are
/// worked out by hand.
@Suite struct ErrorGalleryTests {
    /// 13 entries of 3 × 4 images (width 3, height 4); entry k's pixel (row, column) is
    /// `10k + 3·row + column`, its label `k % 10`, prediction `(k + 3) % 10`.
    static let entries: [ErrorGallery.Entry] = (0 ..< 13).map { k in
        ErrorGallery.Entry(image: GrayscaleImage(width: 3, height: 4, pixels: (0 ..< 12).map { UInt8(10 * k + $0) }),
                           label: k % 10, predicted: (k + 3) % 10, probability: 0.5 + Double(k) / 100, index: 1000 + 7 * k)
    }

    static let gallery = ErrorGallery(entries: entries, errorCount: 20, sampleCount: 500, zoom: 2, columns: 5)

    @Test func sizeFollowsTheFormula() {
        let g = ErrorGalleryTests.gallery
        #expect(g.columns == 5 && g.rows == 3)
        // The widest caption is "pred 3 0.50" (11 characters, 65 px), wider than the 3·2 px image.
        #expect(g.cellWidth == 65 && g.cellHeight == 4 * 2 + 26)
        // The title "errors 1-13 of 20 (500 test images)", 35 characters at scale 2, is the widest line:
        // (35·6 − 1)·2 = 418, so the width is 418 + 2·8 = 434, more than 2·8 + 5·65 + 4·8 = 373.
        #expect(g.lines[0] == "errors 1-13 of 20 (500 test images)")
        #expect(g.width == 434)
        #expect(g.height == 54 + 3 * 34 + 2 * 8 + 8)
        let picture = g.render()
        #expect(picture.width == 434 && picture.height == 180)
        // Three entries in all: the grid is three columns wide, one row high.
        let small = ErrorGallery(entries: Array(ErrorGalleryTests.entries.prefix(3)), errorCount: 3, sampleCount: 9, zoom: 9)
        #expect(small.columns == 3 && small.rows == 1 && small.cellWidth == 65 && small.cellHeight == 36 + 26)
        // Its title, "errors 1-3 of 3 (9 test images)" (31 characters at scale 2), is wider than its grid.
        #expect(small.width == 2 * 8 + (31 * 6 - 1) * 2)
        #expect(small.height == 54 + 62 + 8)
    }

    @Test func captionsReadBackWhereTheLayoutSays() {
        let g = ErrorGalleryTests.gallery
        let picture = g.render()
        // Entry 7 is row 1, column 2: its cell starts at x = 8 + 2·(65 + 8) = 154, y = 54 + 34 + 8 = 96,
        // the image is 8 px tall, so the caption lines start at y = 96 + 8 + 3 = 107, 115 and 123.
        #expect(g.cellOrigin(7) == (154, 96))
        #expect(BitmapFont.text(in: picture, x: 154, y: 107, count: 6, ink: ErrorGallery.trueInk) == "true 7")
        #expect(BitmapFont.text(in: picture, x: 154, y: 115, count: 11, ink: ErrorGallery.predictedInk) == "pred 0 0.57")
        #expect(BitmapFont.text(in: picture, x: 154, y: 123, count: 5, ink: ErrorGallery.indexInk) == "#1049")
        for (k, entry) in ErrorGalleryTests.entries.enumerated() {
            for (line, caption) in entry.captions.enumerated() {
                let at = g.captionOrigin(k, line: line)
                #expect(BitmapFont.text(in: picture, x: at.x, y: at.y, count: caption.count, ink: ErrorGallery.captionInks[line]) == caption,
                        "entry \(k), line \(line)")
            }
        }
        #expect(BitmapFont.text(in: picture, x: 8, y: 8, count: 35, scale: 2, ink: ErrorGallery.titleInk) == "errors 1-13 of 20 (500 test images)")
        #expect(BitmapFont.text(in: picture, x: 8, y: 28, count: g.lines[1].count, ink: ErrorGallery.legendInk) == g.lines[1])
        #expect(BitmapFont.text(in: picture, x: 8, y: 38, count: g.lines[2].count, ink: ErrorGallery.legendInk) == g.lines[2])
    }

    @Test func imagesAreEnlargedAtTheirCells() {
        let picture = ErrorGalleryTests.gallery.render()
        // Entry 7's pixel (row 2, column 1) is 70 + 7 = 77, a 2 × 2 square at (154 + 2, 96 + 4).
        for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
            #expect(picture[100 + dy, 156 + dx] == RGBColor(gray: 77))
        }
        // Entry 12 (row 2, column 2): its last pixel, 131, ends the image at (154 + 5, 96 + 42 + 7).
        #expect(picture[96 + 42 + 7, 154 + 5] == RGBColor(gray: 131))
        // Just right of an image, and between two cells, the background.
        #expect(picture[100, 154 + 6] == ErrorGallery.background && picture[100, 154 + 65 + 4] == ErrorGallery.background)
    }

    @Test func noErrorsStillMakesAPicture() {
        let g = ErrorGallery(entries: [], errorCount: 0, sampleCount: 10000)
        #expect(g.lines == ["no errors (10000 test images)", "every image is classified correctly"])
        let picture = g.render()
        #expect(picture.width == 2 * 8 + (29 * 6 - 1) * 2 && picture.height == 43)
        #expect(BitmapFont.text(in: picture, x: 8, y: 8, count: 29, scale: 2, ink: ErrorGallery.titleInk) == "no errors (10000 test images)")
        #expect(BitmapFont.text(in: picture, x: 8, y: 28, count: 35, ink: ErrorGallery.legendInk) == "every image is classified correctly")
    }

    @Test func probabilitiesHaveTwoDecimals() {
        #expect(ErrorGallery.probabilityText(0.934) == "0.93")
        #expect(ErrorGallery.probabilityText(0.999) == "1.00")
        #expect(ErrorGallery.probabilityText(0.125) == "0.12" || ErrorGallery.probabilityText(0.125) == "0.13")
        #expect(ErrorGallery.probabilityText(.nan) == "?" && ErrorGallery.probabilityText(1.5) == "?")
    }

    /// Written atomically as PNG and decoded again: the same pixels, the caption still legible.
    @Test func theFileDecodesToThePicture() throws {
        let folder = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("gallery.png").path
        let picture = ErrorGalleryTests.gallery.render()
        try PNGWriter.write(picture, to: path)
        let decoded = try PNGReader.readRGB(path)
        #expect(decoded == picture)
        #expect(BitmapFont.text(in: decoded, x: 154, y: 115, count: 11, ink: ErrorGallery.predictedInk) == "pred 0 0.57")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["gallery.png"])
    }
}
