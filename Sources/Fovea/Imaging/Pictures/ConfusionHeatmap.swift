import Foundation

/// The picture of `fovea eval --confusion`: a confusion matrix as a heatmap, row `r` the true
/// class, column `c` the predicted class, every cell coloured by its count and the count written
/// in it, class labels `0…N−1` on both axes.
///
/// Colour: `t = log(1 + count) / log(1 + largest count)` (0 for an empty cell), mapped through a
/// sequential white → blue ramp (ColorBrewer "Blues": `#FFFFFF` at 0, `#6BAED6` at ½, `#08306B`
/// at 1, linear in between). A logarithmic scale because the diagonal dominates: with ~1,000
/// correct images per class and errors counted in ones and tens, a linear scale would leave every
/// error cell white; on the log scale a single error is visibly tinted, ten are mid-blue, and an
/// empty cell is exactly white. The counts themselves are written in every cell regardless:
/// black on light cells, white on dark ones (`RGBColor.luma` below 128), and `0` in light gray.
///
/// Layout, in pixels (`m = margin = 8`, `s` the text scale: 2 up to 20 classes, else 1, so `t = 7s`
/// is the text height; `N` classes; widths of text as `BitmapFont.width(of:scale:)`):
/// ```
/// (m, m)            title, scale 1, ink black: e.g. "confusion matrix: 10000 test images, 98.71% correct"
/// cell size S     = max(widest count, widest class label, t) + 2·(3s)   (square)
/// label column L  = max(width("true"), width("N−1")) at scale s
/// matrix left  x0 = m + L + 6;   "predicted" at y = m + 13, centred over the matrix, scale s
/// column labels     at y = m + 13 + t + 4, centred over each column, scale s
/// "true"            at the same y, right edge at x0 − 6, scale s
/// matrix top   y0 = m + 13 + 2t + 8
/// grid              1-px lines of gridInk; the matrix spans N·(S + 1) + 1 pixels each way from (x0, y0)
/// cell (r, c)       interior S × S at (x0 + 1 + c·(S + 1), y0 + 1 + r·(S + 1))
/// count             centred in its cell: (cellX + (S − w) / 2, cellY + (S − t) / 2), scale s
/// row label r       right edge at x0 − 6, y as the counts of row r, scale s
/// legend            at (m, y0 + N·(S + 1) + 1 + 8), scale 1, legendInk:
///                   "colour: log(1 + count), white 0 to dark blue 1135"
/// width  = max(x0 + N·(S + 1) + 1 + m, right edge of "predicted" + m, 2m + width(title), 2m + width(legend))
/// height = legend y + 7 + m
/// ```
public struct ConfusionHeatmap: Sendable {
    public static let margin = 8
    public static let background = RGBColor.white
    public static let titleInk = RGBColor.black
    public static let legendInk = RGBColor(hex: 0x505050)
    public static let labelInk = RGBColor.black
    public static let gridInk = RGBColor(hex: 0xD0D0D0)
    /// Count text on light cells, on dark ones, and the `0` of empty cells.
    public static let darkInk = RGBColor.black, lightInk = RGBColor.white, zeroInk = RGBColor(hex: 0xB4B4B4)
    /// The colour ramp's stops at 0, ½ and 1.
    public static let ramp = [RGBColor(hex: 0xFFFFFF), RGBColor(hex: 0x6BAED6), RGBColor(hex: 0x08306B)]

    /// `matrix[true][predicted]` counts.
    public let matrix: [[Int]]
    public let title: String
    public let legend: String
    public let classes: Int
    /// Text scale of counts, class labels and axis titles.
    public let scale: Int
    /// Side of a cell's interior.
    public let cellSize: Int
    /// The matrix's top-left pixel (on its grid line).
    public let matrixLeft: Int, matrixTop: Int
    public let width: Int, height: Int
    public let largest: Int

    /// A heatmap of a square `matrix` of counts (at least one class, no negative count), with
    /// `title` on its first line (by default the number of samples and the fraction on the
    /// diagonal).
    public init(matrix: [[Int]], title: String? = nil) {
        let n = matrix.count
        precondition(n >= 1 && matrix.allSatisfy { $0.count == n && $0.allSatisfy { $0 >= 0 } }, "confusion matrix of \(matrix.map(\.count)) counts")
        let m = ConfusionHeatmap.margin
        self.matrix = matrix
        classes = n
        let total = matrix.joined().reduce(0, +)
        let correct = (0 ..< n).reduce(0) { $0 + matrix[$1][$1] }
        self.title = title ?? "confusion matrix: \(total) samples, \(correct) on the diagonal"
        largest = matrix.joined().max() ?? 0
        legend = "colour: log(1 + count), white 0 to dark blue \(largest)"
        scale = n <= 20 ? 2 : 1
        let textHeight = BitmapFont.height(scale: scale)
        let widestCount = BitmapFont.width(of: "\(largest)", scale: scale)
        let widestLabel = BitmapFont.width(of: "\(n - 1)", scale: scale)
        cellSize = max(widestCount, widestLabel, textHeight) + 2 * 3 * scale
        let labelColumn = max(BitmapFont.width(of: "true", scale: scale), widestLabel)
        matrixLeft = m + labelColumn + 6
        matrixTop = m + 13 + 2 * textHeight + 8
        let span = n * (cellSize + 1) + 1
        let predictedWidth = BitmapFont.width(of: "predicted", scale: scale)
        width = max(matrixLeft + span + m, matrixLeft + (span - predictedWidth) / 2 + predictedWidth + m,
                    2 * m + BitmapFont.width(of: self.title), 2 * m + BitmapFont.width(of: legend))
        height = matrixTop + span + 8 + BitmapFont.height() + m
    }

    /// The top-left pixel of cell `(row, column)`'s interior.
    public func cellOrigin(row: Int, column: Int) -> (x: Int, y: Int) {
        (matrixLeft + 1 + column * (cellSize + 1), matrixTop + 1 + row * (cellSize + 1))
    }

    /// Where the count of cell `(row, column)` is drawn (its text's top-left pixel).
    public func countOrigin(row: Int, column: Int) -> (x: Int, y: Int) {
        let cell = cellOrigin(row: row, column: column)
        return (cell.x + (cellSize - BitmapFont.width(of: "\(matrix[row][column])", scale: scale)) / 2,
                cell.y + (cellSize - BitmapFont.height(scale: scale)) / 2)
    }

    /// Where the label of true class `row` is drawn, left of the matrix.
    public func rowLabelOrigin(_ row: Int) -> (x: Int, y: Int) {
        (matrixLeft - 6 - BitmapFont.width(of: "\(row)", scale: scale), countOrigin(row: row, column: 0).y)
    }

    /// Where the label of predicted class `column` is drawn, above the matrix.
    public func columnLabelOrigin(_ column: Int) -> (x: Int, y: Int) {
        (cellOrigin(row: 0, column: column).x + (cellSize - BitmapFont.width(of: "\(column)", scale: scale)) / 2, columnLabelTop)
    }

    /// The axis titles' positions: "predicted" above the column labels, "true" left of them.
    public var predictedTitleOrigin: (x: Int, y: Int) {
        (matrixLeft + (classes * (cellSize + 1) + 1 - BitmapFont.width(of: "predicted", scale: scale)) / 2, ConfusionHeatmap.margin + 13)
    }

    public var trueTitleOrigin: (x: Int, y: Int) {
        (matrixLeft - 6 - BitmapFont.width(of: "true", scale: scale), columnLabelTop)
    }

    public var legendOrigin: (x: Int, y: Int) {
        (ConfusionHeatmap.margin, matrixTop + classes * (cellSize + 1) + 1 + 8)
    }

    private var columnLabelTop: Int { ConfusionHeatmap.margin + 13 + BitmapFont.height(scale: scale) + 4 }

    /// The fill of a cell holding `count` when the largest count is `largest`.
    public static func color(count: Int, largest: Int) -> RGBColor {
        guard count > 0 && largest > 0 else { return ramp[0] }
        let t = min(log1p(Double(count)) / log1p(Double(largest)), 1)
        return t <= 0.5 ? ramp[0].mixed(with: ramp[1], fraction: t * 2) : ramp[1].mixed(with: ramp[2], fraction: t * 2 - 1)
    }

    /// The ink of the count written on a cell of colour `fill` holding `count`.
    public static func ink(count: Int, on fill: RGBColor) -> RGBColor {
        count == 0 ? zeroInk : fill.luma < 128 ? lightInk : darkInk
    }

    /// The picture.
    public func render() -> RGBImage {
        var picture = RGBImage(width: width, height: height, fill: ConfusionHeatmap.background)
        let m = ConfusionHeatmap.margin
        picture.draw(text: title, x: m, y: m, color: ConfusionHeatmap.titleInk)
        let span = classes * (cellSize + 1) + 1
        picture.fill(x: matrixLeft, y: matrixTop, width: span, height: span, color: ConfusionHeatmap.gridInk)
        for row in 0 ..< classes {
            for column in 0 ..< classes {
                let count = matrix[row][column]
                let cell = cellOrigin(row: row, column: column)
                let fill = ConfusionHeatmap.color(count: count, largest: largest)
                picture.fill(x: cell.x, y: cell.y, width: cellSize, height: cellSize, color: fill)
                let at = countOrigin(row: row, column: column)
                picture.draw(text: "\(count)", x: at.x, y: at.y, color: ConfusionHeatmap.ink(count: count, on: fill), scale: scale)
            }
            let label = rowLabelOrigin(row)
            picture.draw(text: "\(row)", x: label.x, y: label.y, color: ConfusionHeatmap.labelInk, scale: scale)
        }
        for column in 0 ..< classes {
            let label = columnLabelOrigin(column)
            picture.draw(text: "\(column)", x: label.x, y: label.y, color: ConfusionHeatmap.labelInk, scale: scale)
        }
        let predicted = predictedTitleOrigin, truth = trueTitleOrigin
        picture.draw(text: "predicted", x: predicted.x, y: predicted.y, color: ConfusionHeatmap.labelInk, scale: scale)
        picture.draw(text: "true", x: truth.x, y: truth.y, color: ConfusionHeatmap.labelInk, scale: scale)
        picture.draw(text: legend, x: legendOrigin.x, y: legendOrigin.y, color: ConfusionHeatmap.legendInk)
        return picture
    }
}
