import Testing
import Fovea

@Suite struct DrawingTests {
    @Test func everyGlyphIsDistinctAndReadsBack() {
        let printable = String((32 ... 126).map { Character(Unicode.Scalar(UInt8($0))) })
        let glyphs = printable.map(BitmapFont.glyph)
        #expect(Set(glyphs).count == 95)
        #expect(glyphs.allSatisfy { $0.count == 7 && $0.allSatisfy { $0 < 32 } })
        for scale in [1, 3] {
            var image = RGBImage(width: BitmapFont.width(of: printable, scale: scale) + 4, height: 12 * scale)
            image.draw(text: printable, x: 2, y: 1, color: .black, scale: scale)
            #expect(BitmapFont.text(in: image, x: 2, y: 1, count: 95, scale: scale, ink: .black) == printable)
            // One pixel off, the cells no longer read as glyphs.
            #expect(BitmapFont.text(in: image, x: 3, y: 1, count: 95, scale: scale, ink: .black) == nil)
        }
    }

    @Test func theDigitSevenByHand() {
        var image = RGBImage(width: 7, height: 9, fill: .white)
        image.draw(text: "7", x: 1, y: 1, color: RGBColor(hex: 0xFF0000))
        let red = RGBColor(red: 255, green: 0, blue: 0)
        // Row 1 of the glyph is "#####", then "....#", "...#.", "..#..", ".#...", ".#...", ".#...".
        #expect((1 ... 5).allSatisfy { image[1, $0] == red })
        #expect(image[2, 5] == red && image[2, 4] == .white)
        #expect(image[3, 4] == red && image[4, 3] == red)
        #expect((5 ... 7).allSatisfy { image[$0, 2] == red && image[$0, 1] == .white })
        #expect(image.pixels.count == 7 * 9 * 3)
        // Non-ASCII characters draw as "?".
        #expect(BitmapFont.glyph("σ") == BitmapFont.glyph("?"))
    }

    @Test func linesPutOnePixelPerStepAndClip() {
        var image = RGBImage(width: 10, height: 6, fill: .black)
        image.line(from: 0, 0, to: 9, 3, color: .white)
        for column in 0 ..< 10 {
            #expect((0 ..< 6).filter { image[$0, column] == .white }.count == 1)
        }
        #expect(image[0, 0] == .white && image[3, 9] == .white)
        // Far outside: clipped, no trap.
        image.line(from: -50, -20, to: 60, 40, color: RGBColor(gray: 7), thickness: 3)
        image.fill(x: -5, y: 4, width: 100, height: 100, color: RGBColor(gray: 9))
        #expect(image[5, 9] == RGBColor(gray: 9))
        image.stroke(x: 1, y: 1, width: 3, height: 2, color: RGBColor(gray: 1))
        #expect(image[1, 1] == RGBColor(gray: 1) && image[2, 3] == RGBColor(gray: 1))
    }

    @Test func grayscaleImagesEnlarge() {
        var image = RGBImage(width: 5, height: 5)
        image.draw(GrayscaleImage(width: 2, height: 1, pixels: [10, 200]), x: 1, y: 1, zoom: 2)
        #expect(image[1, 1] == RGBColor(gray: 10) && image[2, 2] == RGBColor(gray: 10))
        #expect(image[1, 3] == RGBColor(gray: 200) && image[2, 4] == RGBColor(gray: 200))
        #expect(image[3, 1] == .white)
        #expect(RGBColor.black.mixed(with: .white, fraction: 0.5) == RGBColor(gray: 128))
    }
}
