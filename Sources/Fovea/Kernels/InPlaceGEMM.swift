/// An A operand read where it lies (nothing packed): hands the micro-kernel a cursor over the
/// 12 rows starting at row `i0`, from depth `k0` on.
protocol InPlaceStripSource {
    associatedtype Cursor: StripCursor
    func strip(at i0: Int, depth k0: Int) -> Cursor
    /// Whether a short last strip can be read as 12 rows (the rows past A's end are zero, as in a
    /// packed A); if not, the GEMM copies it first (`copyStrip`).
    var padsShortStrip: Bool { get }
    /// Writes the `rows < 12` rows from `i0` at depths `k0 ..< k0 + count` into `strip` as
    /// `[depth][12]`, the rows past `rows` zero.
    func copyStrip(at i0: Int, rows: Int, depth k0: Int, count: Int, into strip: UnsafeMutablePointer<Float>)
}

extension InPlaceStripSource {
    var padsShortStrip: Bool { false }

    /// Through the cursor, one value at a time.
    @inline(__always)
    func copyStrip(at i0: Int, rows: Int, depth k0: Int, count: Int, into strip: UnsafeMutablePointer<Float>) {
        var cursor = self.strip(at: i0, depth: k0)
        for kk in 0 ..< count {
            let dst = strip + kk * GEMM.mr
            for i in 0 ..< GEMM.mr { dst[i] = i < rows ? cursor.value(i) : 0 }
            cursor.advance()
        }
    }
}

/// A row-major matrix as an in-place A operand: element `(i, k)` at `base[i · rowStride + k]`.
struct RowMajorOperand: InPlaceStripSource {
    let base: UnsafePointer<Float>
    let rowStride: Int
    @inline(__always) func strip(at i0: Int, depth k0: Int) -> RowMajorStrip {
        RowMajorStrip(base + (i0 &* rowStride &+ k0), rowStride: rowStride)
    }

    /// Through `packA`'s 16 × 16 transposes in registers (a 1-channel convolution's weight
    /// gradient copies its 9-row patch matrix so, whole).
    @inline(__always)
    func copyStrip(at i0: Int, rows: Int, depth k0: Int, count: Int, into strip: UnsafeMutablePointer<Float>) {
        StridedMatrix(base, rowStride: rowStride, columnStride: 1).packStrip(i0: i0, rows: rows, k0: k0, kc: count, into: strip)
    }
}

/// A column-major matrix (the transpose of a row-major one) as an in-place A operand: element
/// `(i, k)` at `base[k · columnStride + i]`.
struct ColumnMajorOperand: InPlaceStripSource {
    let base: UnsafePointer<Float>
    let columnStride: Int
    @inline(__always) func strip(at i0: Int, depth k0: Int) -> PackedStrip {
        PackedStrip(base + (k0 &* columnStride &+ i0), stride: columnStride)
    }
}

/// An in-place A whose short last strip is read as 12 rows like the others, with no copy: the
/// caller promises that A is readable up to `m` rounded up to 12 rows (inside its own buffer,
/// not necessarily inside A's rows: Winograd's column-major `dU` operand reads past its lanes into
/// the next tile's, or into the planes' slack), and that what those rows hold only reaches the
/// rows of a tile that are dropped.
struct PaddedStrips<Source: InPlaceStripSource>: InPlaceStripSource {
    let source: Source
    var padsShortStrip: Bool { true }
    @inline(__always) func strip(at i0: Int, depth k0: Int) -> Source.Cursor { source.strip(at: i0, depth: k0) }
}

/// A row-major B (`rowStride` floats per row) read in place panel by panel, the last narrow
/// panel too, with no copy: the caller promises that B is readable up to its columns rounded up
/// to 32, and that what those columns hold only reaches the columns of a tile that are dropped.
/// (`StridedMatrix.rowMajor` is the same B without that promise: its narrow panel is copied.)
struct PaddedRowMajorPanels: GEMMPanelSource {
    let base: UnsafePointer<Float>
    let rowStride: Int

    @inline(__always)
    func inPlacePanel(k0: Int, j0: Int, columns: Int) -> (pointer: UnsafePointer<Float>, ldb: Int)? {
        (base + (k0 &* rowStride &+ j0), rowStride)
    }

    /// Never called: every panel is read in place (`inPlacePanel` never says no).
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        preconditionFailure("PaddedRowMajorPanels reads every panel in place")
    }
}
