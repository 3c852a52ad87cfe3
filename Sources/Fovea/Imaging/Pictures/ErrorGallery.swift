import Foundation

/// The picture of `fovea eval --errors`: misclassified images on a grid, in the order given
/// (worst first), each enlarged, with its true class, the predicted class and the probability of
/// that prediction written beneath it in `BitmapFont`.
///
/// Layout, in pixels (`z` the zoom, `h × w` the images' size, `m = margin = 8`, `g = gap = 8`),
/// on a white background, all text but the title at scale 1 (7 px tall, 6 px per character):
/// ```
/// (m, m)             title, scale 2 (14 px tall), titleInk: "errors 1-100 of 874 (10000 test images)"
/// (m, m + 20)        legend, legendInk: "worst first (highest loss). Under each image: true class,"
/// (m, m + 30)        legend, legendInk: "predicted class and its probability, index in the test set"
/// grid from y = gridTop = m + 30 + 7 + 9 = 54, `columns` cells per row (10, or fewer entries), rows as needed:
///   cell k = (r, c) with r = k / columns, c = k % columns: origin (m + c·(cellWidth + g), 54 + r·(cellHeight + g))
///   image             at the origin, w·z × h·z, each image pixel a z × z square of its gray
///   caption line 0    at origin + (0, h·z + 3), trueInk (black):        "true 7"
///   caption line 1    at origin + (0, h·z + 11), predictedInk (red):    "pred 2 0.93"  (probability, 2 decimals)
///   caption line 2    at origin + (0, h·z + 19), indexInk (gray):       "#1234"  (index in the test set, from 0)
///   cellWidth  = max(w·z, the widest caption line of any entry);  cellHeight = h·z + 26
/// width  = max(2m + columns·cellWidth + (columns − 1)·g, 2m + widest title or legend line)
/// height = 54 + rows·cellHeight + (rows − 1)·g + m
/// ```
/// With no entries (nothing misclassified) the picture holds the title "no errors (10000 test
/// images)" and one legend line at `(m, m + 20)`, "every image is classified correctly", and is
/// `2m + widest line` wide and `m + 27 + m = 43` pixels tall.
public struct ErrorGallery: Sendable {
    /// One misclassified image and what the model made of it.
    public struct Entry: Hashable, Sendable {
        /// Display intensities, 0…255 (the stored bytes, before normalisation).
        public let image: GrayscaleImage
        public let label: Int
        public let predicted: Int
        /// The probability the model gave `predicted`, in [0, 1].
        public let probability: Double
        /// The image's index in its set (from 0).
        public let index: Int

        public init(image: GrayscaleImage, label: Int, predicted: Int, probability: Double, index: Int) {
            self.image = image
            self.label = label
            self.predicted = predicted
            self.probability = probability
            self.index = index
        }

        /// The three caption lines drawn beneath the image.
        public var captions: [String] {
            ["true \(label)", "pred \(predicted) \(ErrorGallery.probabilityText(probability))", "#\(index)"]
        }
    }

    public static let margin = 8, gap = 8
    /// Scale of the title line (the other text is at scale 1).
    public static let titleScale = 2
    /// The top of the grid's first row of cells.
    public static let gridTop = margin + 30 + BitmapFont.height() + 9
    /// Pixels between an image's bottom edge and its first caption line.
    public static let captionGap = 3
    public static let background = RGBColor.white
    public static let titleInk = RGBColor.black
    public static let legendInk = RGBColor(hex: 0x505050)
    public static let trueInk = RGBColor.black
    public static let predictedInk = RGBColor(hex: 0xC00000)
    public static let indexInk = RGBColor(hex: 0x808080)
    /// The inks of caption lines 0, 1, 2.
    public static let captionInks = [trueInk, predictedInk, indexInk]

    public let entries: [Entry]
    /// All errors of the set (`entries` may be only the first of them).
    public let errorCount: Int
    /// The number of images in the set.
    public let sampleCount: Int
    public let zoom: Int
    /// Cells per row: the `columns` asked for, or fewer when there are fewer entries.
    public let columns: Int
    public let rows: Int
    public let cellWidth: Int, cellHeight: Int
    public let width: Int, height: Int
    /// The title, then the legend lines.
    public let lines: [String]

    /// A gallery of `entries` (all images of one size), the first of `errorCount` errors among
    /// `sampleCount` images, each image enlarged `zoom` times, at most `columns` per row.
    public init(entries: [Entry], errorCount: Int, sampleCount: Int, zoom: Int = 3, columns: Int = 10) {
        precondition(zoom >= 1 && columns >= 1 && errorCount >= entries.count && sampleCount >= errorCount,
                     "gallery of \(entries.count) of \(errorCount) errors in \(sampleCount) images, zoom \(zoom), \(columns) columns")
        let m = ErrorGallery.margin, g = ErrorGallery.gap
        self.entries = entries
        self.errorCount = errorCount
        self.sampleCount = sampleCount
        self.zoom = zoom
        let textWidth = { (text: String, scale: Int) in BitmapFont.width(of: text, scale: scale) }
        guard let first = entries.first else {
            lines = ["no errors (\(sampleCount) test images)", "every image is classified correctly"]
            self.columns = 0
            rows = 0
            (cellWidth, cellHeight) = (0, 0)
            width = 2 * m + max(textWidth(lines[0], ErrorGallery.titleScale), textWidth(lines[1], 1))
            height = m + 20 + BitmapFont.height() + m
            return
        }
        precondition(entries.allSatisfy { $0.image.width == first.image.width && $0.image.height == first.image.height },
                     "gallery images of different sizes")
        lines = ["errors 1-\(entries.count) of \(errorCount) (\(sampleCount) test images)",
                 "worst first (highest loss). Under each image: true class,",
                 "predicted class and its probability, index in the test set"]
        self.columns = min(columns, entries.count)
        rows = (entries.count + self.columns - 1) / self.columns
        let widestCaption = entries.flatMap(\.captions).map { textWidth($0, 1) }.max() ?? 0
        cellWidth = max(first.image.width * zoom, widestCaption)
        cellHeight = first.image.height * zoom + ErrorGallery.captionGap + 2 * BitmapFont.lineHeight + BitmapFont.height()
        let widestLine = max(textWidth(lines[0], ErrorGallery.titleScale), textWidth(lines[1], 1), textWidth(lines[2], 1))
        width = max(2 * m + self.columns * cellWidth + (self.columns - 1) * g, 2 * m + widestLine)
        height = ErrorGallery.gridTop + rows * cellHeight + (rows - 1) * g + m
    }

    /// The top-left pixel of entry `k`'s cell (its image's top-left pixel).
    public func cellOrigin(_ k: Int) -> (x: Int, y: Int) {
        (ErrorGallery.margin + (k % columns) * (cellWidth + ErrorGallery.gap),
         ErrorGallery.gridTop + (k / columns) * (cellHeight + ErrorGallery.gap))
    }

    /// The top-left pixel of caption line `line` (0, 1, 2) of entry `k`.
    public func captionOrigin(_ k: Int, line: Int) -> (x: Int, y: Int) {
        let origin = cellOrigin(k)
        return (origin.x, origin.y + entries[k].image.height * zoom + ErrorGallery.captionGap + line * BitmapFont.lineHeight)
    }

    /// The top-left pixel of text line `line` above the grid (0 the title).
    public static func lineOrigin(_ line: Int) -> (x: Int, y: Int) {
        (margin, line == 0 ? margin : margin + 20 + (line - 1) * 10)
    }

    /// The picture.
    public func render() -> RGBImage {
        var picture = RGBImage(width: width, height: height, fill: ErrorGallery.background)
        for (line, text) in lines.enumerated() {
            let origin = ErrorGallery.lineOrigin(line)
            picture.draw(text: text, x: origin.x, y: origin.y, color: line == 0 ? ErrorGallery.titleInk : ErrorGallery.legendInk,
                         scale: line == 0 ? ErrorGallery.titleScale : 1)
        }
        for (k, entry) in entries.enumerated() {
            let origin = cellOrigin(k)
            picture.draw(entry.image, x: origin.x, y: origin.y, zoom: zoom)
            for (line, caption) in entry.captions.enumerated() {
                let at = captionOrigin(k, line: line)
                picture.draw(text: caption, x: at.x, y: at.y, color: ErrorGallery.captionInks[line])
            }
        }
        return picture
    }

    /// A probability with two decimals, `0.93` (`?` if it is not a number in [0, 1]).
    public static func probabilityText(_ probability: Double) -> String {
        guard probability >= 0 && probability <= 1 else { return "?" }
        return String(format: "%.2f", probability)
    }
}
