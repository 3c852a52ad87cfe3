/// Turns a photo, scan or drawing of one digit into an input like MNIST's, the way MNIST itself
/// was made (LeCun, Cortes & Burges: "normalized to fit in a 20×20 pixel box while preserving
/// their aspect ratio … centered in a 28×28 image by computing the center of mass of the
/// pixels"). The steps, each a function below so that tests can check them one by one:
///
/// 1. **grayscale** — done by the decoder (`PNGReader`, `JPEGReader`, `NetpbmReader`);
/// 2. **invert** when the background is light: the background level is the median of the
///    border pixels; above 127 (a dark digit on light paper) every pixel becomes 255 − value,
///    so that ink is bright on black as in MNIST;
/// 3. **levels**: the background level is subtracted and the result stretched so that the
///    brightest pixel is 255 (clamped to 0…255): paper that photographs gray becomes black;
/// 4. **crop to the ink**: the ink is every pixel at or above Otsu's threshold (the one that best
///    separates the histogram into two classes); the image is cropped to the ink's bounding box;
/// 5. **fit** into a box of `20/28` of the input size (20 × 20 for 28 × 28) keeping the aspect
///    ratio: the longer side becomes 20 pixels, by area averaging (`AreaResampling`);
/// 6. **centre by mass**: the fitted digit is placed in the input-size field (black elsewhere)
///    shifted by whole pixels so that its intensity-weighted centre of mass, in pixel indices,
///    lands as close as possible to index `side / 2` (14 for 28) on both axes, where MNIST's
///    digits have theirs; ink pushed past the edge by the shift is dropped, as in MNIST.
///
/// A uniform image (or one whose brightest and background levels are less than
/// `minimumContrast` apart) has no digit and is refused (`ImageError.blank`).
public enum DigitPreprocessing {
    /// A rectangle of pixels: its top-left pixel `(x, y)` and its size.
    public struct PixelRect: Hashable, Sendable {
        public var x: Int, y: Int, width: Int, height: Int

        public init(x: Int, y: Int, width: Int, height: Int) {
            (self.x, self.y, self.width, self.height) = (x, y, width, height)
        }
    }

    /// What each step found, for `--json` and for tests.
    public struct Report: Hashable, Sendable {
        /// Median of the border pixels before inversion, 0…255.
        public var background: Int
        /// Whether step 2 inverted the image.
        public var inverted: Bool
        /// Otsu's threshold on the levelled image, 0…255.
        public var threshold: Int
        /// The ink's bounding box in the decoded image.
        public var crop: PixelRect
        /// Where the fitted digit went in the field: its top-left pixel and its size.
        public var placed: PixelRect
    }

    /// The least difference between the brightest pixel and the background, in levels of 0…255,
    /// for an image to hold a digit.
    public static let minimumContrast = 16

    /// Runs the six steps on `image` for a model taking `height × width` inputs; `file` names
    /// the image in errors.
    public static func run(_ image: GrayscaleImage, height: Int, width: Int, file: String) throws(ImageError) -> (GrayscaleImage, Report) {
        let background = backgroundLevel(image)
        let inverted = background > 127
        let upright = inverted ? invert(image) : image
        guard let levelled = levels(upright, background: inverted ? 255 - background : background) else {
            throw ImageError.blank(file: file)
        }
        let threshold = otsuThreshold(levelled)
        guard let box = inkBox(levelled, threshold: threshold) else { throw ImageError.blank(file: file) }
        let digit = crop(levelled, x: box.x, y: box.y, width: box.width, height: box.height)
        let fitted = fit(digit, boxHeight: fitBox(height), boxWidth: fitBox(width))
        let (field, offset) = centreByMass(fitted, height: height, width: width)
        return (field, Report(background: background, inverted: inverted, threshold: threshold, crop: box,
                              placed: PixelRect(x: offset.x, y: offset.y, width: fitted.width, height: fitted.height)))
    }

    /// The side of the box a digit is fitted into for an input side of `side` pixels:
    /// `round(side · 20 / 28)`, at least 1 (20 for MNIST's 28).
    public static func fitBox(_ side: Int) -> Int { max(1, Int((Double(side) * 20 / 28).rounded())) }

    /// Step 2's background level: the median of the pixels on the image's border (the lower
    /// median for an even count).
    public static func backgroundLevel(_ image: GrayscaleImage) -> Int {
        var histogram = [Int](repeating: 0, count: 256)
        var count = 0
        for y in 0 ..< image.height {
            for x in 0 ..< image.width where y == 0 || y == image.height - 1 || x == 0 || x == image.width - 1 {
                histogram[Int(image[y, x])] += 1
                count += 1
            }
        }
        var seen = 0
        for level in 0 ..< 256 {
            seen += histogram[level]
            if 2 * seen >= count { return level }
        }
        return 255
    }

    /// Every pixel `v` becomes `255 − v`.
    public static func invert(_ image: GrayscaleImage) -> GrayscaleImage {
        GrayscaleImage(width: image.width, height: image.height, pixels: image.pixels.map { 255 - $0 })
    }

    /// Step 3: `(v − background) · 255 / (peak − background)`, rounded half up and clamped to
    /// 0…255, where `peak` is the brightest pixel; `nil` when `peak − background <
    /// minimumContrast`. In integers, so that the result is exact.
    public static func levels(_ image: GrayscaleImage, background: Int) -> GrayscaleImage? {
        let peak = Int(image.pixels.max() ?? 0)
        let range = peak - background
        guard range >= minimumContrast else { return nil }
        return GrayscaleImage(width: image.width, height: image.height, pixels: image.pixels.map { value in
            let above = max(Int(value) - background, 0)
            return UInt8(min((2 * above * 255 + range) / (2 * range), 255))
        })
    }

    /// Otsu's threshold: the level `t` that maximises the between-class variance of the pixels
    /// below `t` and those at or above it, 1…255. When several levels tie (a clean two-level
    /// image, where every level between the two separates them alike), the middle of the tied
    /// levels, rounded down.
    public static func otsuThreshold(_ image: GrayscaleImage) -> Int {
        var histogram = [Double](repeating: 0, count: 256)
        for value in image.pixels { histogram[Int(value)] += 1 }
        let total = Double(image.pixels.count)
        let sum = (0 ..< 256).reduce(0.0) { $0 + Double($1) * histogram[$1] }
        var (below, belowSum) = (0.0, 0.0)
        var variances = [Double](repeating: -1, count: 256)
        for t in 1 ..< 256 {
            below += histogram[t - 1]
            belowSum += Double(t - 1) * histogram[t - 1]
            let above = total - below
            guard below > 0 && above > 0 else { continue }
            let difference = belowSum / below - (sum - belowSum) / above
            variances[t] = below * above * difference * difference
        }
        let best = variances.max() ?? -1
        guard best >= 0 else { return 128 }
        // Ties up to rounding: the sums above are exact integers in Double, the quotients not.
        let tied = (1 ..< 256).filter { variances[$0] >= best * (1 - 1e-12) }
        return (tied[0] + tied[tied.count - 1]) / 2
    }

    /// The bounding box of the pixels at or above `threshold`; `nil` if there are none.
    public static func inkBox(_ image: GrayscaleImage, threshold: Int) -> PixelRect? {
        var (left, top, right, bottom) = (image.width, image.height, -1, -1)
        for y in 0 ..< image.height {
            for x in 0 ..< image.width where Int(image[y, x]) >= threshold {
                (left, top, right, bottom) = (min(left, x), min(top, y), max(right, x), max(bottom, y))
            }
        }
        return right < 0 ? nil : PixelRect(x: left, y: top, width: right - left + 1, height: bottom - top + 1)
    }

    /// The `width × height` rectangle of `image` whose top-left pixel is `(x, y)` (inside it).
    public static func crop(_ image: GrayscaleImage, x: Int, y: Int, width: Int, height: Int) -> GrayscaleImage {
        var result = GrayscaleImage(width: width, height: height)
        for row in 0 ..< height {
            for column in 0 ..< width { result[row, column] = image[y + row, x + column] }
        }
        return result
    }

    /// Step 5: `image` scaled so that it fits `boxHeight × boxWidth` with its aspect ratio kept
    /// (the limiting side exactly fills the box; the other rounded, at least 1 pixel).
    public static func fit(_ image: GrayscaleImage, boxHeight: Int, boxWidth: Int) -> GrayscaleImage {
        let scale = min(Double(boxHeight) / Double(image.height), Double(boxWidth) / Double(image.width))
        let height = min(boxHeight, max(1, Int((Double(image.height) * scale).rounded())))
        let width = min(boxWidth, max(1, Int((Double(image.width) * scale).rounded())))
        return AreaResampling.resize(image, width: width, height: height)
    }

    /// The intensity-weighted centre of mass of `image` in pixel indices (a single bright pixel
    /// at column 2 has its mass at x = 2); the image's middle, `((width − 1) / 2, (height − 1) / 2)`,
    /// if it is all black.
    public static func centreOfMass(_ image: GrayscaleImage) -> (x: Double, y: Double) {
        var (mass, sumX, sumY) = (0.0, 0.0, 0.0)
        for y in 0 ..< image.height {
            for x in 0 ..< image.width {
                let value = Double(image[y, x])
                mass += value
                sumX += value * Double(x)
                sumY += value * Double(y)
            }
        }
        return mass > 0 ? (sumX / mass, sumY / mass) : (Double(image.width - 1) / 2, Double(image.height - 1) / 2)
    }

    /// Step 6: `digit` placed in a black `height × width` field, shifted by whole pixels so that
    /// its centre of mass is nearest index `(width / 2, height / 2)` (integer division; halves of
    /// a pixel round away from zero); returns the field and the digit's top-left position in it.
    /// MNIST's own digits have their centre of mass within half a pixel of index 14 on 28 × 28.
    public static func centreByMass(_ digit: GrayscaleImage, height: Int, width: Int) -> (GrayscaleImage, (x: Int, y: Int)) {
        let centre = centreOfMass(digit)
        let offsetX = Int((Double(width / 2) - centre.x).rounded()), offsetY = Int((Double(height / 2) - centre.y).rounded())
        var field = GrayscaleImage(width: width, height: height)
        for y in 0 ..< digit.height where (0 ..< height).contains(y + offsetY) {
            for x in 0 ..< digit.width where (0 ..< width).contains(x + offsetX) {
                field[y + offsetY, x + offsetX] = digit[y, x]
            }
        }
        return (field, (offsetX, offsetY))
    }
}
