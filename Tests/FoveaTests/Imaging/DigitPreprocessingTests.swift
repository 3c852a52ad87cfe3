import Testing
import Fovea

/// The steps of `DigitPreprocessing`, each on images small enough to check by hand, then the
/// whole chain on a drawn digit.
@Suite struct DigitPreprocessingTests {
    /// A `width × height` image of `background` with the rectangle `rect` of `ink`.
    static func drawing(width: Int, height: Int, background: UInt8, ink: UInt8, rects: [DigitPreprocessing.PixelRect]) -> GrayscaleImage {
        var image = GrayscaleImage(width: width, height: height, fill: background)
        for rect in rects {
            for y in rect.y ..< rect.y + rect.height {
                for x in rect.x ..< rect.x + rect.width { image[y, x] = ink }
            }
        }
        return image
    }

    @Test func backgroundIsTheMedianOfTheBorder() {
        // Border of a 3 × 3 image: 8 pixels 10 10 10 10 200 200 200 200 → lower median 10; the
        // centre (255) does not count.
        let image = GrayscaleImage(width: 3, height: 3, pixels: [10, 10, 10, 10, 255, 200, 200, 200, 200])
        #expect(DigitPreprocessing.backgroundLevel(image) == 10)
        #expect(DigitPreprocessing.invert(image).pixels == [245, 245, 245, 245, 0, 55, 55, 55, 55])
    }

    @Test func levelsSubtractTheBackgroundAndStretch() throws {
        // Background 40, peak 140: (v − 40) · 255 / 100.
        let image = GrayscaleImage(width: 4, height: 1, pixels: [30, 40, 90, 140])
        #expect(try #require(DigitPreprocessing.levels(image, background: 40)).pixels == [0, 0, 128, 255])
        // Less contrast than `minimumContrast`: no digit.
        #expect(DigitPreprocessing.levels(GrayscaleImage(width: 2, height: 1, pixels: [40, 55]), background: 40) == nil)
    }

    @Test func otsuSplitsTwoLevelsInTheMiddle() {
        // Two clean levels 0 and 200: every threshold 1…200 separates them; the middle is 100.
        #expect(DigitPreprocessing.otsuThreshold(GrayscaleImage(width: 4, height: 1, pixels: [0, 0, 200, 200])) == 100)
        // Three levels 0 ×6, 100 ×1, 250 ×3. Splitting above 100 gives the larger between-class
        // variance, 7 · 3 · (250 − 100/7)² ≈ 1,166,786 against 6 · 4 · (212.5 − 0)² = 1,083,750
        // for splitting below it; every t in 101…250 makes that split → (101 + 250) / 2 = 175.
        let pixels: [UInt8] = [0, 0, 0, 0, 0, 0, 100, 250, 250, 250]
        #expect(DigitPreprocessing.otsuThreshold(GrayscaleImage(width: 10, height: 1, pixels: pixels)) == 175)
    }

    @Test func inkBoxAndCrop() throws {
        let image = Self.drawing(width: 6, height: 5, background: 0, ink: 255, rects: [.init(x: 1, y: 2, width: 3, height: 2)])
        let box = try #require(DigitPreprocessing.inkBox(image, threshold: 128))
        #expect(box == DigitPreprocessing.PixelRect(x: 1, y: 2, width: 3, height: 2))
        #expect(DigitPreprocessing.crop(image, x: 1, y: 2, width: 3, height: 2).pixels == [UInt8](repeating: 255, count: 6))
        #expect(DigitPreprocessing.inkBox(GrayscaleImage(width: 2, height: 2), threshold: 1) == nil)
    }

    /// Area averaging by hand: 4 → 2 averages pairs; 3 → 2 weighs the middle pixel half to each
    /// side: `(a + b/2) / 1.5` and `(b/2 + c) / 1.5`.
    @Test func areaResamplingByHand() {
        let row = GrayscaleImage(width: 4, height: 1, pixels: [0, 100, 200, 250])
        #expect(AreaResampling.resize(row, width: 2, height: 1).pixels == [50, 225])
        let three = GrayscaleImage(width: 3, height: 1, pixels: [30, 90, 240])
        #expect(AreaResampling.resize(three, width: 2, height: 1).pixels == [50, 190])
        // Enlarging by 2 repeats pixels; 2 × 2 → 1 × 1 is the mean.
        #expect(AreaResampling.resize(row, width: 8, height: 1).pixels == [0, 0, 100, 100, 200, 200, 250, 250])
        #expect(AreaResampling.resize(GrayscaleImage(width: 2, height: 2, pixels: [0, 10, 20, 30]), width: 1, height: 1).pixels == [15])
    }

    @Test func fitKeepsTheAspectRatio() {
        let tall = GrayscaleImage(width: 40, height: 100, fill: 255)
        let fitted = DigitPreprocessing.fit(tall, boxHeight: 20, boxWidth: 20)
        #expect(fitted.width == 8 && fitted.height == 20)
        #expect(DigitPreprocessing.fit(GrayscaleImage(width: 300, height: 2), boxHeight: 20, boxWidth: 20).height == 1)
        #expect(DigitPreprocessing.fitBox(28) == 20 && DigitPreprocessing.fitBox(91) == 65 && DigitPreprocessing.fitBox(1) == 1)
    }

    @Test func centreOfMassLandsInTheMiddle() {
        // One bright pixel at column 2 of a 4 × 1 image: mass at x = 2, y = 0.
        let dot = GrayscaleImage(width: 4, height: 1, pixels: [0, 0, 255, 0])
        #expect(DigitPreprocessing.centreOfMass(dot) == (2, 0))
        // Into a 6 × 3 field: target (6 / 2, 3 / 2) = (3, 1); shift (1, 1).
        let (field, offset) = DigitPreprocessing.centreByMass(dot, height: 3, width: 6)
        #expect(offset == (1, 1))
        #expect(field.pixels == [0, 0, 0, 0, 0, 0,
                                 0, 0, 0, 255, 0, 0,
                                 0, 0, 0, 0, 0, 0])
        // Two equal pixels at columns 0 and 1: mass at 0.5, shift 3 − 0.5 = 2.5 → 3.
        let pair = GrayscaleImage(width: 2, height: 1, pixels: [9, 9])
        #expect(DigitPreprocessing.centreByMass(pair, height: 1, width: 6).1 == (3, 0))
    }

    /// A dark "1" drawn as a 10 × 60 bar with a 20 × 8 foot on light gray paper, off-centre in a
    /// 120 × 90 picture, becomes a light digit of height 20 centred in 28 × 28.
    @Test func aDrawnDigitBecomesMNISTLike() throws {
        let bar = DigitPreprocessing.PixelRect(x: 70, y: 15, width: 10, height: 60)
        let foot = DigitPreprocessing.PixelRect(x: 65, y: 67, width: 20, height: 8)
        let picture = Self.drawing(width: 120, height: 90, background: 220, ink: 30, rects: [bar, foot])
        let (input, report) = try DigitPreprocessing.run(picture, height: 28, width: 28, file: "one.png")
        #expect(report.background == 220 && report.inverted)
        // Levelled: paper 0, ink 255 → Otsu's threshold in the middle.
        #expect(report.threshold == 128)
        #expect(report.crop == DigitPreprocessing.PixelRect(x: 65, y: 15, width: 20, height: 60))
        // 20 × 60 fitted into 20 × 20: 7 × 20 (20/3 rounded).
        #expect(report.placed.width == 7 && report.placed.height == 20)
        #expect(input.width == 28 && input.height == 28)
        // Black background, the digit's centre of mass within half a pixel of index 14.
        #expect(input[0, 0] == 0 && input[27, 27] == 0 && input.pixels.max() == 255)
        let centre = DigitPreprocessing.centreOfMass(input)
        #expect(abs(centre.x - 14) <= 0.5 && abs(centre.y - 14) <= 0.5)
        // The same digit drawn light on black is not inverted and gives the same input.
        let negative = DigitPreprocessing.invert(picture)
        let (same, negativeReport) = try DigitPreprocessing.run(negative, height: 28, width: 28, file: "one.png")
        #expect(!negativeReport.inverted && same == input)
    }

    @Test func blankPicturesAreRefused() {
        #expect(throws: ImageError.blank(file: "white.png")) {
            _ = try DigitPreprocessing.run(GrayscaleImage(width: 50, height: 50, fill: 255), height: 28, width: 28, file: "white.png")
        }
        #expect("\(ImageError.blank(file: "w.png"))" == "w.png: the image is uniform, there is no digit to classify (check that it is the right file)")
    }
}
