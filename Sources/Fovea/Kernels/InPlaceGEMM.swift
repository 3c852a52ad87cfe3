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

extension GEMM {
    /// `C[m, n] = A[m, k] · B[k, n]` (or `+=` with `accumulate`) with both operands read where
    /// they lie: A through `a`, B row-major with `ldb` floats per row.
    ///
    /// The micro-kernel computes whole 12 × 32 tiles. A last strip of fewer than 12 rows of A
    /// is copied, zero-padded, into `partialStrip` (`kc · 12` floats), and a last panel of
    /// fewer than 32 columns of B into `partialPanel` (`kc · 32` floats), so that nothing past
    /// the operands is read. Passing `nil` instead promises that A is readable up to `m`
    /// rounded up to 12 rows, or B up to `n` rounded up to 32 columns (padding whose values only
    /// reach the discarded part of a tile), and saves the copies.
    ///
    /// The depth is cut into blocks of `kc` so that the B rows a block reads stay in cache
    /// while every strip of A passes over them. Each element of C is one chain of fused
    /// multiply-adds over `k` in order, as in `multiply`.
    static func multiplyInPlace<A: InPlaceStripSource>(
        a: A, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool, tile: UnsafeMutablePointer<Float>,
        partialStrip: UnsafeMutablePointer<Float>?, partialPanel: UnsafeMutablePointer<Float>?
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0 ..< m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let lastStrip = (m - 1) / mr * mr, lastPanel = (n - 1) / nr * nr
        let packedStrip = m - lastStrip < mr ? partialStrip : nil
        let packedPanel = n - lastPanel < nr ? partialPanel : nil
        var k0 = 0
        while k0 < k {
            let depth = min(kc, k - k0)
            let add = accumulate || k0 > 0
            if let packedStrip {
                a.copyStrip(at: lastStrip, rows: m - lastStrip, depth: k0, count: depth, into: packedStrip)
            }
            if let packedPanel {
                // The narrow panel as `[depth][32]`, columns past `n` zero.
                let columns = n - lastPanel
                for kk in 0 ..< depth {
                    let src = b + ((k0 + kk) * ldb + lastPanel), dst = packedPanel + kk * nr
                    for j in 0 ..< nr { dst[j] = j < columns ? src[j] : 0 }
                }
            }
            var i0 = 0
            while i0 < m {
                let rows = min(mr, m - i0)
                var j0 = 0
                while j0 < n {
                    let columns = min(nr, n - j0)
                    let (panel, panelStride) = if let packedPanel, j0 == lastPanel { (UnsafePointer(packedPanel), nr) }
                                               else { (b + (k0 * ldb + j0), ldb) }
                    let target = c + (i0 * ldc + j0)
                    if let packedStrip, i0 == lastStrip {
                        microKernel(depth: depth, a: PackedStrip(packedStrip), b: panel, ldb: panelStride, c: target, ldc: ldc,
                                    rows: rows, columns: columns, accumulate: add, tile: tile)
                    } else {
                        microKernel(depth: depth, a: a.strip(at: i0, depth: k0), b: panel, ldb: panelStride, c: target, ldc: ldc,
                                    rows: rows, columns: columns, accumulate: add, tile: tile)
                    }
                    j0 += nr
                }
                i0 += mr
            }
            k0 += depth
        }
    }
}
