/// An A operand read where it lies (nothing packed): hands the micro-kernel a cursor over the
/// 12 rows starting at row `i0`.
protocol InPlaceStripSource {
    associatedtype Cursor: StripCursor
    func strip(at i0: Int) -> Cursor
}

/// A row-major matrix as an in-place A operand: element `(i, k)` at `base[i · rowStride + k]`.
struct RowMajorOperand: InPlaceStripSource {
    let base: UnsafePointer<Float>
    let rowStride: Int
    @inline(__always) func strip(at i0: Int) -> RowMajorStrip { RowMajorStrip(base + i0 &* rowStride, rowStride: rowStride) }
}

/// A column-major matrix (the transpose of a row-major one) as an in-place A operand: element
/// `(i, k)` at `base[k · columnStride + i]`.
struct ColumnMajorOperand: InPlaceStripSource {
    let base: UnsafePointer<Float>
    let columnStride: Int
    @inline(__always) func strip(at i0: Int) -> PackedStrip { PackedStrip(base + i0, stride: columnStride) }
}

extension GEMM {
    /// `C[m, n] = A[m, k] · B[k, n]` (or `+=` with `accumulate`) with both operands read where
    /// they lie: A through `a`, B row-major with `ldb` floats per row. For the small, repeated
    /// products of a Winograd convolution, where packing would cost as much as it saves.
    ///
    /// The micro-kernel always computes whole 12 × 32 tiles, so A must be readable for rows up
    /// to `m` rounded up to 12 and B for columns up to `n` rounded up to 32 (the values there
    /// only reach the discarded part of a partial tile). Each element of C is one chain of
    /// fused multiply-adds over `k` in order, as in `multiply`.
    static func multiplyInPlace<A: InPlaceStripSource>(
        a: A, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool, tile: UnsafeMutablePointer<Float>
    ) {
        var i0 = 0
        while i0 < m {
            let rows = min(mr, m - i0)
            var j0 = 0
            while j0 < n {
                microKernel(depth: k, a: a.strip(at: i0), b: b + j0, ldb: ldb, c: c + i0 * ldc + j0, ldc: ldc,
                            rows: rows, columns: min(nr, n - j0), accumulate: accumulate, tile: tile)
                j0 += nr
            }
            i0 += mr
        }
    }
}
