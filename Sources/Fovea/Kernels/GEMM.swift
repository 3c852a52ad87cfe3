// Kernel legend: C[M, N] (+)= A[M, K] · B[K, N], all float32.
// MR × NR = 12 × 32 is the register tile: 24 `SIMD16<Float>` accumulators, 2 B vectors and one
// broadcast A value use 27 of the 32 vector registers of AVX-512 (on AVX2 or NEON the compiler
// splits each SIMD16 into narrower registers; the code stays correct, only slower).

/// Packed, register-tiled single-precision matrix multiplication (the GotoBLAS/BLIS scheme).
///
/// `C[M, N] = A[M, K] · B[K, N]` (or `+=` with `accumulate`), C row-major. A is packed once into
/// strips of `mr` rows (`packA`); B is packed per `kc × nc` block into panels of `nr` columns by
/// its `GEMMPanelSource` (a strided matrix, or an image read through implicit im2col). The
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
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { for i in 0 ..< m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let strips = (m + mr - 1) / mr
        var aBlock = packedA
        var k0 = 0
        while k0 < k {
            let depth = min(kc, k - k0)
            let add = accumulate || k0 > 0
            var j0 = 0
            while j0 < n {
                let width = min(nc, n - j0)
                let panels = (width + nr - 1) / nr
                // Pack this kc × nc block of B, panel by panel.
                for panel in 0 ..< panels {
                    b.packPanel(k0: k0, kc: depth, j0: j0 + panel * nr, columns: n,
                                into: workspace.packedB + panel * depth * nr)
                }
                for strip in 0 ..< strips {
                    let i0 = strip * mr
                    let rows = min(mr, m - i0)
                    let aStrip = aBlock + strip * depth * mr
                    for panel in 0 ..< panels {
                        let jj = j0 + panel * nr
                        microKernel(depth: depth, a: aStrip, b: workspace.packedB + panel * depth * nr,
                                    c: c + i0 * ldc + jj, ldc: ldc, rows: rows, columns: min(nr, n - jj),
                                    accumulate: add, tile: workspace.tile)
                    }
                }
                j0 += width
            }
            aBlock += strips * depth * mr
            k0 += depth
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

    /// One 12 × 32 tile: `C[rows, columns] (+)= Astrip[depth, 12]ᵀ · Bpanel[depth, 32]`.
    /// A partial tile (`rows < 12` or `columns < 32`) is computed in full from the zero-padded
    /// panels, through the 12 × 32 scratch `tile`, and only its valid part is written.
    @inline(__always)
    static func microKernel(
        depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, columns: Int,
        accumulate: Bool, tile: UnsafeMutablePointer<Float>
    ) {
        @inline(__always) func ld(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        }
        @inline(__always) func st(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
        }
        let full = rows == mr && columns == nr
        if !full && accumulate {
            for i in 0 ..< mr { (tile + i * nr).update(repeating: 0, count: nr) }
            for i in 0 ..< rows { (tile + i * nr).update(from: c + i * ldc, count: columns) }
        }
        // The tile is read from and written to C itself when full, else through `tile`.
        let io = full ? c : tile
        let ioStride = full ? ldc : nr
        var c0a = SIMD16<Float>(), c0b = SIMD16<Float>()
        var c1a = SIMD16<Float>(), c1b = SIMD16<Float>()
        var c2a = SIMD16<Float>(), c2b = SIMD16<Float>()
        var c3a = SIMD16<Float>(), c3b = SIMD16<Float>()
        var c4a = SIMD16<Float>(), c4b = SIMD16<Float>()
        var c5a = SIMD16<Float>(), c5b = SIMD16<Float>()
        var c6a = SIMD16<Float>(), c6b = SIMD16<Float>()
        var c7a = SIMD16<Float>(), c7b = SIMD16<Float>()
        var c8a = SIMD16<Float>(), c8b = SIMD16<Float>()
        var c9a = SIMD16<Float>(), c9b = SIMD16<Float>()
        var c10a = SIMD16<Float>(), c10b = SIMD16<Float>()
        var c11a = SIMD16<Float>(), c11b = SIMD16<Float>()
        if accumulate {
            c0a = ld(io + 0 * ioStride); c0b = ld(io + 0 * ioStride + 16)
            c1a = ld(io + 1 * ioStride); c1b = ld(io + 1 * ioStride + 16)
            c2a = ld(io + 2 * ioStride); c2b = ld(io + 2 * ioStride + 16)
            c3a = ld(io + 3 * ioStride); c3b = ld(io + 3 * ioStride + 16)
            c4a = ld(io + 4 * ioStride); c4b = ld(io + 4 * ioStride + 16)
            c5a = ld(io + 5 * ioStride); c5b = ld(io + 5 * ioStride + 16)
            c6a = ld(io + 6 * ioStride); c6b = ld(io + 6 * ioStride + 16)
            c7a = ld(io + 7 * ioStride); c7b = ld(io + 7 * ioStride + 16)
            c8a = ld(io + 8 * ioStride); c8b = ld(io + 8 * ioStride + 16)
            c9a = ld(io + 9 * ioStride); c9b = ld(io + 9 * ioStride + 16)
            c10a = ld(io + 10 * ioStride); c10b = ld(io + 10 * ioStride + 16)
            c11a = ld(io + 11 * ioStride); c11b = ld(io + 11 * ioStride + 16)
        }
        var ap = a
        var bp = b
        for _ in 0 ..< depth {
            let b0 = UnsafeRawPointer(bp).load(as: SIMD16<Float>.self)
            let b1 = UnsafeRawPointer(bp).load(fromByteOffset: 64, as: SIMD16<Float>.self)
            let a0 = SIMD16<Float>(repeating: ap[0]); c0a.addProduct(a0, b0); c0b.addProduct(a0, b1)
            let a1 = SIMD16<Float>(repeating: ap[1]); c1a.addProduct(a1, b0); c1b.addProduct(a1, b1)
            let a2 = SIMD16<Float>(repeating: ap[2]); c2a.addProduct(a2, b0); c2b.addProduct(a2, b1)
            let a3 = SIMD16<Float>(repeating: ap[3]); c3a.addProduct(a3, b0); c3b.addProduct(a3, b1)
            let a4 = SIMD16<Float>(repeating: ap[4]); c4a.addProduct(a4, b0); c4b.addProduct(a4, b1)
            let a5 = SIMD16<Float>(repeating: ap[5]); c5a.addProduct(a5, b0); c5b.addProduct(a5, b1)
            let a6 = SIMD16<Float>(repeating: ap[6]); c6a.addProduct(a6, b0); c6b.addProduct(a6, b1)
            let a7 = SIMD16<Float>(repeating: ap[7]); c7a.addProduct(a7, b0); c7b.addProduct(a7, b1)
            let a8 = SIMD16<Float>(repeating: ap[8]); c8a.addProduct(a8, b0); c8b.addProduct(a8, b1)
            let a9 = SIMD16<Float>(repeating: ap[9]); c9a.addProduct(a9, b0); c9b.addProduct(a9, b1)
            let a10 = SIMD16<Float>(repeating: ap[10]); c10a.addProduct(a10, b0); c10b.addProduct(a10, b1)
            let a11 = SIMD16<Float>(repeating: ap[11]); c11a.addProduct(a11, b0); c11b.addProduct(a11, b1)
            ap += mr
            bp += nr
        }
        st(c0a, io + 0 * ioStride); st(c0b, io + 0 * ioStride + 16)
        st(c1a, io + 1 * ioStride); st(c1b, io + 1 * ioStride + 16)
        st(c2a, io + 2 * ioStride); st(c2b, io + 2 * ioStride + 16)
        st(c3a, io + 3 * ioStride); st(c3b, io + 3 * ioStride + 16)
        st(c4a, io + 4 * ioStride); st(c4b, io + 4 * ioStride + 16)
        st(c5a, io + 5 * ioStride); st(c5b, io + 5 * ioStride + 16)
        st(c6a, io + 6 * ioStride); st(c6b, io + 6 * ioStride + 16)
        st(c7a, io + 7 * ioStride); st(c7b, io + 7 * ioStride + 16)
        st(c8a, io + 8 * ioStride); st(c8b, io + 8 * ioStride + 16)
        st(c9a, io + 9 * ioStride); st(c9b, io + 9 * ioStride + 16)
        st(c10a, io + 10 * ioStride); st(c10b, io + 10 * ioStride + 16)
        st(c11a, io + 11 * ioStride); st(c11b, io + 11 * ioStride + 16)
        if !full {
            for i in 0 ..< rows { (c + i * ldc).update(from: tile + i * nr, count: columns) }
        }
    }
}

/// Scratch memory for one thread's GEMMs: packed A, one packed `kc × nc` block of B and a
/// 12 × 32 tile for partial tiles. Carved out of a worker's workspace; the pointers are valid only
/// inside the closure that lent them.
public struct GEMMWorkspace {
    public let packedA: UnsafeMutablePointer<Float>
    public let packedACapacity: Int
    public let packedB: UnsafeMutablePointer<Float>
    public let tile: UnsafeMutablePointer<Float>

    /// Floats needed besides packed A: one B block and one tile.
    public static let fixedCount = GEMM.kc * GEMM.nc + GEMM.mr * GEMM.nr

    /// Lays a workspace over `memory`, which must hold `packedACapacity + fixedCount` floats,
    /// 64-byte aligned.
    public init(memory: UnsafeMutablePointer<Float>, packedACapacity: Int) {
        let aligned = alignedFloatCount(packedACapacity)
        packedA = memory
        self.packedACapacity = aligned
        packedB = memory + aligned
        tile = memory + aligned + GEMM.kc * GEMM.nc
    }

    /// Floats a workspace needs to multiply with A of up to `packedACount` packed floats.
    public static func count(packedACount: Int) -> Int {
        alignedFloatCount(packedACount) + fixedCount
    }
}
