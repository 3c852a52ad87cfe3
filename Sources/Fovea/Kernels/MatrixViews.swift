/// A read-only view of an `[rows, columns]` matrix in memory with arbitrary strides: element
/// `(i, j)` is at `base[i · rowStride + j · columnStride]`. A row-major matrix has
/// `columnStride == 1`; its transpose is the same memory with the strides swapped.
public struct StridedMatrix {
    public let base: UnsafePointer<Float>
    public let rowStride: Int
    public let columnStride: Int

    @inline(__always)
    public init(_ base: UnsafePointer<Float>, rowStride: Int, columnStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.columnStride = columnStride
    }

    /// A row-major matrix with `columns` values per row.
    @inline(__always)
    public static func rowMajor(_ base: UnsafePointer<Float>, columns: Int) -> StridedMatrix {
        StridedMatrix(base, rowStride: columns, columnStride: 1)
    }

    /// The transpose of a row-major matrix with `columns` values per row: element `(i, j)` of
    /// the view is element `(j, i)` of the stored matrix.
    @inline(__always)
    public static func transposed(_ base: UnsafePointer<Float>, columns: Int) -> StridedMatrix {
        StridedMatrix(base, rowStride: 1, columnStride: columns)
    }

    @inline(__always)
    subscript(i: Int, j: Int) -> Float { base[i &* rowStride &+ j &* columnStride] }
}

/// Something that can write the B operand of a GEMM, `B[K, N]`, as packed panels: the
/// micro-kernel reads `kc` rows of `GEMM.nr` consecutive columns, stored `[k][GEMM.nr]`, with
/// columns past `N` zero-filled. Conforming types are generic parameters of `GEMM.multiply`,
/// so each is specialised and inlined into its own packing loop.
public protocol GEMMPanelSource {
    /// Writes rows `k0 ..< k0 + kc` of columns `j0 ..< j0 + GEMM.nr` into `panel`
    /// (`kc · GEMM.nr` floats, `[k][nr]`), zero for columns `≥ columns`.
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>)
    /// Where rows `k0 …` of the full panel of columns `j0 ..< j0 + GEMM.nr` can be read in place
    /// (32 consecutive floats per row, `ldb` floats apart), or `nil` if it must be packed.
    func inPlacePanel(k0: Int, j0: Int, columns: Int) -> (pointer: UnsafePointer<Float>, ldb: Int)?
}

extension GEMMPanelSource {
    @inline(__always)
    public func inPlacePanel(k0: Int, j0: Int, columns: Int) -> (pointer: UnsafePointer<Float>, ldb: Int)? { nil }
}

/// Something that can write the A operand of a GEMM, `A[M, K]`, as packed strips: `kc` columns of
/// `rows ≤ GEMM.mr` consecutive rows, stored `[k][GEMM.mr]` (the caller zero-fills short strips).
public protocol GEMMStripSource {
    /// Writes rows `i0 ..< i0 + rows`, columns `k0 ..< k0 + kc` into `strip` as `[k][mr]`.
    func packStrip(i0: Int, rows: Int, k0: Int, kc: Int, into strip: UnsafeMutablePointer<Float>)
}

extension StridedMatrix: GEMMStripSource {
    @inline(__always)
    public func packStrip(i0: Int, rows: Int, k0: Int, kc: Int, into strip: UnsafeMutablePointer<Float>) {
        let mr = GEMM.mr
        if columnStride == 1 {
            // Rows contiguous: 16 × 16 blocks of (row, depth) transposed in registers into
            // (depth, row), 12 rows kept.
            var kk = 0
            while kk < kc {
                let depthInBlock = min(16, kc &- kk)
                let block = VectorBlock { i in
                    i < rows ? VectorLanes.load(base + ((i0 &+ i) &* rowStride &+ k0 &+ kk), count: depthInBlock) : .zero
                }
                block.transposed.forEach { k, column in
                    if k < depthInBlock { VectorLanes.store(column, strip + (kk &+ k) &* mr, count: mr) }
                }
                kk &+= 16
            }
        } else {
            for kk in 0 ..< kc {
                let src = base + ((k0 + kk) &* columnStride &+ i0 &* rowStride)
                for i in 0 ..< rows { strip[kk &* mr &+ i] = src[i &* rowStride] }
            }
        }
    }
}

extension StridedMatrix: GEMMPanelSource {
    /// A row-major matrix's full panels are read where they lie: the micro-kernel takes 32
    /// consecutive floats per row `rowStride` apart as well as from a packed panel, and the copy
    /// would only move the same block into L2 once more (the autoencoder's forward product
    /// `W · col`, 64 × 1568 × 288: 0.40 → 0.37–0.38 ms a shard on one thread).
    @inline(__always)
    public func inPlacePanel(k0: Int, j0: Int, columns: Int) -> (pointer: UnsafePointer<Float>, ldb: Int)? {
        columnStride == 1 && j0 &+ GEMM.nr <= columns ? (base + (k0 &* rowStride &+ j0), rowStride) : nil
    }

    @inline(__always)
    public func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let nr = GEMM.nr
        let valid = min(nr, columns - j0)
        if columnStride == 1 && valid == nr {
            // Rows contiguous: two 16-wide copies per k.
            for k in 0 ..< kc {
                let src = UnsafeRawPointer(base + (k0 + k) * rowStride + j0)
                let dst = UnsafeMutableRawPointer(panel + k * nr)
                dst.storeBytes(of: src.loadUnaligned(as: SIMD16<Float>.self), as: SIMD16<Float>.self)
                dst.storeBytes(of: src.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self),
                               toByteOffset: 64, as: SIMD16<Float>.self)
            }
            return
        }
        if valid < nr {
            panel.update(repeating: 0, count: kc * nr)
        }
        if columnStride == 1 {
            for k in 0 ..< kc {
                let src = base + (k0 + k) * rowStride + j0
                for j in 0 ..< valid { panel[k * nr + j] = src[j] }
            }
        } else if rowStride == 1 {
            // Columns contiguous (a transposed row-major matrix): 16 × 16 blocks of
            // (column, depth) transposed in registers into (depth, column).
            var jj = 0
            while jj < valid {
                let columnsInBlock = min(16, valid - jj)
                var kk = 0
                while kk < kc {
                    let depthInBlock = min(16, kc - kk)
                    let block = VectorBlock { j in
                        j < columnsInBlock ? VectorLanes.load(base + ((j0 + jj + j) * columnStride + k0 + kk), count: depthInBlock) : .zero
                    }
                    block.transposed.forEach { k, row in
                        if k < depthInBlock { VectorLanes.store(row, panel + ((kk + k) * nr + jj), count: 16) }
                    }
                    kk += 16
                }
                jj += 16
            }
        } else {
            // General strides: read down each column.
            for j in 0 ..< valid {
                let src = base + (j0 + j) * columnStride + k0 * rowStride
                var k = 0
                while k < kc {
                    panel[k * nr + j] = src[k * rowStride]
                    k += 1
                }
            }
        }
    }
}
