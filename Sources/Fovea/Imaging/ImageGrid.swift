/// A grid of equally sized cells drawn into one `GrayscaleImage`, for contact sheets such as
/// `fovea augment-preview`: each cell is an `cellHeight × cellWidth` image enlarged `zoom` times
/// (nearest neighbour), cells are separated by `gap` pixels of `gapValue`, and column 0 is set
/// apart from the others by a further `2 · gap` pixels.
///
/// Size: width `columns · cellWidth · zoom + (columns + 1) · gap + (columns > 1 ? 2 · gap : 0)`,
/// height `rows · cellHeight · zoom + (rows + 1) · gap`.
public struct ImageGrid: Sendable {
    public let rows: Int, columns: Int
    public let cellHeight: Int, cellWidth: Int
    public let zoom: Int
    public let gap: Int
    /// The grid so far (cells not yet placed show the gap colour).
    public private(set) var image: GrayscaleImage

    public init(rows: Int, columns: Int, cellHeight: Int, cellWidth: Int, zoom: Int = 1, gap: Int = 2, gapValue: UInt8 = 96) {
        precondition(rows >= 1 && columns >= 1 && cellHeight >= 1 && cellWidth >= 1 && zoom >= 1 && gap >= 0,
                     "grid of \(rows)×\(columns) cells of \(cellHeight)×\(cellWidth), zoom \(zoom), gap \(gap)")
        self.rows = rows
        self.columns = columns
        self.cellHeight = cellHeight
        self.cellWidth = cellWidth
        self.zoom = zoom
        self.gap = gap
        let size = ImageGrid.size(rows: rows, columns: columns, cellHeight: cellHeight, cellWidth: cellWidth, zoom: zoom, gap: gap)
        image = GrayscaleImage(width: size.width, height: size.height, fill: gapValue)
    }

    /// The pixel size of a grid with these parameters.
    public static func size(rows: Int, columns: Int, cellHeight: Int, cellWidth: Int, zoom: Int, gap: Int) -> (width: Int, height: Int) {
        (columns * cellWidth * zoom + (columns + 1) * gap + (columns > 1 ? 2 * gap : 0),
         rows * cellHeight * zoom + (rows + 1) * gap)
    }

    /// The image coordinates of the top-left pixel of cell `(row, column)`.
    public func origin(row: Int, column: Int) -> (x: Int, y: Int) {
        (gap + column * (cellWidth * zoom + gap) + (column > 0 ? 2 * gap : 0), gap + row * (cellHeight * zoom + gap))
    }

    /// Draws byte-scale intensities `cell [cellHeight, cellWidth]` (rounded, clamped to 0…255)
    /// into cell `(row, column)`.
    public mutating func place(_ cell: [Float], row: Int, column: Int) {
        precondition(cell.count == cellHeight * cellWidth && (0 ..< rows).contains(row) && (0 ..< columns).contains(column),
                     "cell of \(cell.count) values at (\(row), \(column)) in a grid of \(rows)×\(columns) cells of \(cellHeight)×\(cellWidth)")
        let (x0, y0) = origin(row: row, column: column)
        for y in 0 ..< cellHeight * zoom {
            for x in 0 ..< cellWidth * zoom {
                let value = cell[(y / zoom) * cellWidth + x / zoom]
                image[y0 + y, x0 + x] = UInt8(min(max(value, 0), 255).rounded())
            }
        }
    }
}
