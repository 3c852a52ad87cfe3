// Kernel legend: C[M, N] (+)= A[M, K] · B[K, N], all float32; MR × NR = 12 × 32 is the register
// tile of MicroKernel.swift.

/// Packed, register-tiled single-precision matrix multiplication (the GotoBLAS/BLIS scheme).
///
/// `C[M, N] = A[M, K] · B[K, N]` (or `+=` with `accumulate`), C row-major. A is packed once into
/// strips of `mr` rows (`packA`); B is packed per `kc × nc` block into panels of `nr` columns by
/// its `GEMMPanelSource` (a strided matrix, or an image read through implicit im2col), or read
/// in place where its source says it can be (full panels of a row-major matrix). The
/// micro-kernel keeps a 12 × 32 tile of C in registers while it streams one A strip (from L1) and
/// one B panel (from L2).
///
/// Determinism: every element of C is one chain of fused multiply-adds over `k = 0 ..< K` in
/// order, whatever M, N, the tile it falls in, or the thread that runs the call. Results
/// therefore do not depend on batch composition or thread count.
///
/// Single-threaded: the trainer runs independent GEMMs on different threads, each with its own
/// `GEMMWorkspace`.
public enum GEMM {
    /// Rows of the register tile.
    public static let mr = 12
    /// Columns of the register tile (two `SIMD16<Float>`).
    public static let nr = 32
    /// Depth of a packed block: an A strip of `kc × mr` floats (12 KiB) stays in L1.
    public static let kc = 256
    /// Width of a packed B block: `kc × nc` floats (512 KiB) stay in L2.
    public static let nc = 512

    /// Floats needed to pack an `[m, k]` A operand with `packA`.
    public static func packedACount(m: Int, k: Int) -> Int {
        ((m + mr - 1) / mr) * mr * k
    }

    /// Packs `A[m, k]` for `multiply`: for each depth block of `kc` (the last one shorter), for
    /// each strip of `mr` rows, the block stored `[k][mr]`, rows past `m` zero.
    public static func packA<A: GEMMStripSource>(_ a: A, m: Int, k: Int, into packed: UnsafeMutablePointer<Float>) {
        let strips = (m + mr - 1) / mr
        var dst = packed
        var k0 = 0
        while k0 < k {
            let depth = min(kc, k - k0)
            for strip in 0 ..< strips {
                let i0 = strip * mr
                let rows = min(mr, m - i0)
                if rows < mr { dst.update(repeating: 0, count: depth * mr) }
                a.packStrip(i0: i0, rows: rows, k0: k0, kc: depth, into: dst)
                dst += depth * mr
            }
            k0 += depth
        }
    }

    /// `C[m, n] = A · B`, or `C += A · B` when `accumulate`, with A already packed by `packA`.
    /// `c` is row-major with `ldc` floats per row. For `k == 0`, C is zeroed (or left as it is
    /// when accumulating).
    public static func multiply<B: GEMMPanelSource>(
        packedA: UnsafePointer<Float>, b: B, c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool, workspace: GEMMWorkspace
    ) {
        multiply(inPlaceA: PackedOperand(base: packedA, m: m, k: k), b: b, c: c, ldc: ldc, m: m, n: n, k: k,
                 accumulate: accumulate, workspace: workspace)
    }

    /// `C[m, n] = A · B`, or `C += A · B` when `accumulate`, with A row-major (`lda` floats per
    /// row) read where it lies: nothing of A is packed but a short last strip.
    public static func multiply<B: GEMMPanelSource>(
        rowMajorA a: UnsafePointer<Float>, lda: Int, b: B, c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool, workspace: GEMMWorkspace
    ) {
        multiply(inPlaceA: RowMajorOperand(base: a, rowStride: lda), b: b, c: c, ldc: ldc, m: m, n: n, k: k,
                 accumulate: accumulate, workspace: workspace)
    }

    /// `C[m, n] = A · B`, or `C += A · B` when `accumulate`, with A's strips read where they lie
    /// (a packed A, or a row-major matrix whose 12 rows the micro-kernel reads side by side,
    /// which saves copying a large A that each strip's pass reads only a few times). A short last
    /// strip of a source that is not padded to whole strips is copied, zero-padded, into
    /// `workspace.partialStrip` first, so that nothing past A's `m` rows is read.
    static func multiply<A: InPlaceStripSource, B: GEMMPanelSource>(
        inPlaceA a: A, b: B, c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool, workspace: GEMMWorkspace
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0 ..< m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let lastStrip = (m - 1) / mr * mr
        let copiesShortStrip = m - lastStrip < mr && !a.padsShortStrip
        var k0 = 0
        while k0 < k {
            let depth = min(kc, k - k0)
            let add = accumulate || k0 > 0
            if copiesShortStrip {
                a.copyStrip(at: lastStrip, rows: m - lastStrip, depth: k0, count: depth, into: workspace.partialStrip)
            }
            var j0 = 0
            while j0 < n {
                let width = min(nc, n - j0)
                let panels = (width + nr - 1) / nr
                packBlock(b, k0: k0, depth: depth, j0: j0, panels: panels, n: n, workspace: workspace)
                var i0 = 0
                while i0 < m {
                    let rows = min(mr, m - i0)
                    if rows <= 4 {
                        // A strip of 4 rows or fewer (the last one): two full panels at a time
                        // through the 4-row kernel.
                        if copiesShortStrip {
                            passShortStrip(PackedStrip(workspace.partialStrip), b: b, c: c + i0 * ldc, ldc: ldc, rows: rows, n: n,
                                           k0: k0, depth: depth, j0: j0, panels: panels, accumulate: add, workspace: workspace)
                        } else {
                            passShortStrip(a.strip(at: i0, depth: k0), b: b, c: c + i0 * ldc, ldc: ldc, rows: rows, n: n,
                                           k0: k0, depth: depth, j0: j0, panels: panels, accumulate: add, workspace: workspace)
                        }
                        i0 += mr
                        continue
                    }
                    for panel in 0 ..< panels {
                        let jj = j0 + panel * nr
                        let (bPanel, ldb) = panelOf(b, k0: k0, depth: depth, j0: j0, panel: panel, n: n, workspace: workspace)
                        let target = c + i0 * ldc + jj, columns = min(nr, n - jj)
                        if copiesShortStrip && i0 == lastStrip {
                            microKernel(depth: depth, a: PackedStrip(workspace.partialStrip), b: bPanel, ldb: ldb, c: target, ldc: ldc,
                                        rows: rows, columns: columns, accumulate: add, tile: workspace.tile)
                        } else {
                            microKernel(depth: depth, a: a.strip(at: i0, depth: k0), b: bPanel, ldb: ldb, c: target, ldc: ldc,
                                        rows: rows, columns: columns, accumulate: add, tile: workspace.tile)
                        }
                    }
                    i0 += mr
                }
                j0 += width
            }
            k0 += depth
        }
    }

    /// Packs the `panels` panels of B's block at depths `k0 ..< k0 + depth` and columns `j0 …`
    /// into `workspace.packedB`, panel by panel, except the panels read in place.
    @inline(__always)
    private static func packBlock<B: GEMMPanelSource>(_ b: B, k0: Int, depth: Int, j0: Int, panels: Int, n: Int,
                                                     workspace: GEMMWorkspace) {
        for panel in 0 ..< panels where b.inPlacePanel(k0: k0, j0: j0 + panel * nr, columns: n) == nil {
            b.packPanel(k0: k0, kc: depth, j0: j0 + panel * nr, columns: n, into: workspace.packedB + panel * depth * nr)
        }
    }

    /// Where the micro-kernel reads panel `panel` of that block: in place, or packed by
    /// `packBlock` (32 floats per row, `ldb` apart).
    @inline(__always)
    private static func panelOf<B: GEMMPanelSource>(_ b: B, k0: Int, depth: Int, j0: Int, panel: Int, n: Int,
                                                   workspace: GEMMWorkspace) -> (pointer: UnsafePointer<Float>, ldb: Int) {
        b.inPlacePanel(k0: k0, j0: j0 + panel * nr, columns: n) ?? (UnsafePointer(workspace.packedB + panel * depth * nr), nr)
    }

    /// A strip of `rows ≤ 4` rows of A (C's rows from `c`) across the `panels` panels of the
    /// block at columns `j0 …`, depths `k0 ..< k0 + depth`: two full panels at a time through
    /// the 4-row kernel, a panel left over through the 12-row one. Kept out of line, so that the
    /// full strips' loop stays as it is.
    @inline(never)
    private static func passShortStrip<S: StripCursor, B: GEMMPanelSource>(
        _ strip: S, b: B, c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, n: Int,
        k0: Int, depth: Int, j0: Int, panels: Int, accumulate: Bool, workspace: GEMMWorkspace
    ) {
        var panel = 0
        while panel < panels {
            let jj = j0 + panel * nr
            let (bPanel, ldb) = panelOf(b, k0: k0, depth: depth, j0: j0, panel: panel, n: n, workspace: workspace)
            if panel + 1 < panels && jj + 2 * nr <= n {
                let (second, secondLdb) = panelOf(b, k0: k0, depth: depth, j0: j0, panel: panel + 1, n: n, workspace: workspace)
                if secondLdb == ldb {
                    microKernelFourRows(depth: depth, a: strip, b: bPanel, secondPanel: second - bPanel, ldb: ldb,
                                        c: c + jj, ldc: ldc, rows: rows, accumulate: accumulate)
                    panel += 2
                    continue
                }
            }
            microKernel(depth: depth, a: strip, b: bPanel, ldb: ldb, c: c + jj, ldc: ldc,
                        rows: rows, columns: min(nr, n - jj), accumulate: accumulate, tile: workspace.tile)
            panel += 1
        }
    }

    /// Packs A into `workspace` and multiplies: `C = A · B` or `C += A · B`.
    public static func multiply<A: GEMMStripSource, B: GEMMPanelSource>(
        a: A, b: B, c: UnsafeMutablePointer<Float>, ldc: Int,
        m: Int, n: Int, k: Int, accumulate: Bool, workspace: GEMMWorkspace
    ) {
        precondition(packedACount(m: m, k: k) <= workspace.packedACapacity,
                     "GEMM workspace holds \(workspace.packedACapacity) floats of packed A, [\(m), \(k)] needs \(packedACount(m: m, k: k))")
        packA(a, m: m, k: k, into: workspace.packedA)
        multiply(packedA: workspace.packedA, b: b, c: c, ldc: ldc, m: m, n: n, k: k,
                 accumulate: accumulate, workspace: workspace)
    }
}

/// A packed by `GEMM.packA` as a strip source: depth block `k0 / kc` holds every strip of
/// `min(kc, k − k0)` depths, `[k][12]` each, short strips already zero-padded.
struct PackedOperand: InPlaceStripSource {
    let base: UnsafePointer<Float>
    let m: Int, k: Int

    var padsShortStrip: Bool { true }

    @inline(__always) func strip(at i0: Int, depth k0: Int) -> PackedStrip {
        let strips = (m + GEMM.mr - 1) / GEMM.mr
        return PackedStrip(base + (k0 &* strips &+ i0 / GEMM.mr &* min(GEMM.kc, k &- k0)) &* GEMM.mr)
    }
}

/// Scratch memory for one thread's GEMMs: packed A, one packed `kc × nc` block of B (where
/// narrow panels are copied too), a 12 × 32 tile for partial tiles, and the zero-padded copy of
/// a short strip of an in-place A that `multiply(inPlaceA:…)` makes. Carved out of a worker's
/// workspace; the pointers are valid only inside the closure that lent them.
public struct GEMMWorkspace {
    public let packedA: UnsafeMutablePointer<Float>
    public let packedACapacity: Int
    public let packedB: UnsafeMutablePointer<Float>
    public let tile: UnsafeMutablePointer<Float>
    public let partialStrip: UnsafeMutablePointer<Float>

    /// Floats needed besides packed A: one B block, one tile, one short strip.
    public static let fixedCount = GEMM.kc * GEMM.nc + GEMM.mr * GEMM.nr + GEMM.kc * GEMM.mr

    /// Lays a workspace over `memory`, which must hold `packedACapacity + fixedCount` floats,
    /// 64-byte aligned.
    public init(memory: UnsafeMutablePointer<Float>, packedACapacity: Int) {
        let aligned = alignedFloatCount(packedACapacity)
        packedA = memory
        self.packedACapacity = aligned
        packedB = memory + aligned
        tile = packedB + GEMM.kc * GEMM.nc
        partialStrip = tile + GEMM.mr * GEMM.nr
    }

    /// Floats a workspace needs to multiply with A of up to `packedACount` packed floats.
    public static func count(packedACount: Int) -> Int {
        alignedFloatCount(packedACount) + fixedCount
    }
}

extension GEMM {
    /// Whether `multiply(packedA:b:stripByStrip:…)` takes a product of depth `k` and `n`
    /// columns: one depth block, and all of B packed at once in the workspace's B block.
    static func takesStripByStrip(n: Int, k: Int) -> Bool {
        k <= kc && ((n + nr - 1) / nr) * nr * k <= kc * nc
    }

    /// `C = A · B` one strip of 12 rows at a time, each strip written to `strip` (`[12, n]`,
    /// `n` floats per row) and handed to `body(i0, rows, strip)` before the next one overwrites
    /// it, with A packed by `packA`. For a C that is only read once more, row by row (col2im):
    /// the strip is still in L2 when `body` reads it, where a whole C would have gone to L3.
    /// B is packed once, whole (`takesStripByStrip` must hold). Each element is the same chain
    /// of fused multiply-adds as `multiply` computes.
    static func multiply<B: GEMMPanelSource>(
        packedA: UnsafePointer<Float>, b: B, stripByStrip strip: UnsafeMutablePointer<Float>, m: Int, n: Int, k: Int,
        workspace: GEMMWorkspace, _ body: (_ i0: Int, _ rows: Int, _ strip: UnsafePointer<Float>) -> Void
    ) {
        precondition(takesStripByStrip(n: n, k: k), "strip by strip takes one packed B block: [\(k), \(n)]")
        if m == 0 || n == 0 { return }
        let panels = (n + nr - 1) / nr, a = PackedOperand(base: packedA, m: m, k: k)
        packBlock(b, k0: 0, depth: k, j0: 0, panels: panels, n: n, workspace: workspace)
        var i0 = 0
        while i0 < m {
            let rows = min(mr, m - i0)
            if k == 0 {
                for i in 0 ..< rows { fillFloats(strip + i * n, with: 0, count: n) }
            } else {
                for panel in 0 ..< panels {
                    let jj = panel * nr
                    let (bPanel, ldb) = panelOf(b, k0: 0, depth: k, j0: 0, panel: panel, n: n, workspace: workspace)
                    microKernel(depth: k, a: a.strip(at: i0, depth: 0), b: bPanel, ldb: ldb, c: strip + jj, ldc: n,
                                rows: rows, columns: min(nr, n - jj), accumulate: false, tile: workspace.tile)
                }
            }
            body(i0, rows, strip)
            i0 += mr
        }
    }
}
