// Kernel legend: one register tile C[12, 32] (+)= A[12, depth] · B[depth, 32], float32.
// 24 `SIMD16<Float>` accumulators, 2 B vectors and one broadcast A value use 27 of the 32
// vector registers of AVX-512 (on AVX2 or NEON the compiler splits each SIMD16 into narrower
// registers; the code stays correct, only slower).

/// How the micro-kernel walks the 12 rows of its A operand along the depth: it reads
/// `value(i)` for `i = 0 ..< 12` at the current depth, then `advance()`s to the next one.
/// Conforming types are generic parameters of `microKernel`, so each one is specialised and
/// its address arithmetic hoisted out of the loop.
protocol StripCursor {
    /// Row `row` (0 ..< `GEMM.mr`) at the current depth.
    func value(_ row: Int) -> Float
    /// Moves to the next depth.
    mutating func advance()
}

/// A strip stored column by column: the 12 values of depth `k` are consecutive, depth `k + 1`
/// starts `stride` floats later. `GEMM.packA`'s strips have `stride == GEMM.mr`; a column-major
/// matrix (or the transpose of a row-major one) read in place has its leading dimension.
struct PackedStrip: StripCursor {
    var pointer: UnsafePointer<Float>
    let stride: Int

    @inline(__always)
    init(_ pointer: UnsafePointer<Float>, stride: Int = GEMM.mr) {
        self.pointer = pointer
        self.stride = stride
    }

    @inline(__always) func value(_ row: Int) -> Float { pointer[row] }
    @inline(__always) mutating func advance() { pointer += stride }
}

/// Twelve rows of a row-major matrix read in place: row `i` at depth `k` is
/// `pointer[i · rowStride + k]`.
struct RowMajorStrip: StripCursor {
    var pointer: UnsafePointer<Float>
    let rowStride: Int

    @inline(__always)
    init(_ pointer: UnsafePointer<Float>, rowStride: Int) {
        self.pointer = pointer
        self.rowStride = rowStride
    }

    @inline(__always) func value(_ row: Int) -> Float { pointer[row &* rowStride] }
    @inline(__always) mutating func advance() { pointer += 1 }
}

extension GEMM {
    /// One 12 × 32 tile: `C[rows, columns] (+)= A[12, depth] · B[depth, 32]`, where B is 32
    /// consecutive floats per depth, `ldb` floats apart (a packed panel has `ldb == 32`; a
    /// row-major matrix read in place has its row length).
    /// A partial tile (`rows < 12` or `columns < 32`) is computed in full (A's rows past `rows`
    /// must be readable, e.g. zero padding) through the 12 × 32 scratch `tile`, and only its
    /// valid part is written.
    @inline(__always)
    static func microKernel<A: StripCursor>(
        depth: Int, a: A, b: UnsafePointer<Float>, ldb: Int,
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
            for i in 0 ..< rows { VectorLanes.copy(c + i * ldc, to: tile + i * nr, count: columns) }
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
            let b0 = ld(bp)
            let b1 = ld(bp + 16)
            let a0 = SIMD16<Float>(repeating: ap.value(0)); c0a.addProduct(a0, b0); c0b.addProduct(a0, b1)
            let a1 = SIMD16<Float>(repeating: ap.value(1)); c1a.addProduct(a1, b0); c1b.addProduct(a1, b1)
            let a2 = SIMD16<Float>(repeating: ap.value(2)); c2a.addProduct(a2, b0); c2b.addProduct(a2, b1)
            let a3 = SIMD16<Float>(repeating: ap.value(3)); c3a.addProduct(a3, b0); c3b.addProduct(a3, b1)
            let a4 = SIMD16<Float>(repeating: ap.value(4)); c4a.addProduct(a4, b0); c4b.addProduct(a4, b1)
            let a5 = SIMD16<Float>(repeating: ap.value(5)); c5a.addProduct(a5, b0); c5b.addProduct(a5, b1)
            let a6 = SIMD16<Float>(repeating: ap.value(6)); c6a.addProduct(a6, b0); c6b.addProduct(a6, b1)
            let a7 = SIMD16<Float>(repeating: ap.value(7)); c7a.addProduct(a7, b0); c7b.addProduct(a7, b1)
            let a8 = SIMD16<Float>(repeating: ap.value(8)); c8a.addProduct(a8, b0); c8b.addProduct(a8, b1)
            let a9 = SIMD16<Float>(repeating: ap.value(9)); c9a.addProduct(a9, b0); c9b.addProduct(a9, b1)
            let a10 = SIMD16<Float>(repeating: ap.value(10)); c10a.addProduct(a10, b0); c10b.addProduct(a10, b1)
            let a11 = SIMD16<Float>(repeating: ap.value(11)); c11a.addProduct(a11, b0); c11b.addProduct(a11, b1)
            ap.advance()
            bp += ldb
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
            for i in 0 ..< rows { VectorLanes.copy(tile + i * nr, to: c + i * ldc, count: columns) }
        }
    }
}

extension GEMM {
    /// A short strip's tile, `C[rows, 64] (+)= A[4, depth] · B[depth, 64]` for `rows ≤ 4`: two
    /// full panels of B side by side (row `k` of the second at `b + k · ldb + secondPanel`), 16
    /// accumulators. The 12-row kernel on such a strip computes 12 rows for 4 or fewer (on 64
    /// rows of A, a sixth of the product is that last strip); this one computes 4. A's rows past
    /// `rows` must be readable (zero padding) and are not written. Each element of C is the same
    /// chain of fused multiply-adds as in `microKernel`.
    @inline(__always)
    static func microKernelFourRows<A: StripCursor>(
        depth: Int, a: A, b: UnsafePointer<Float>, secondPanel: Int, ldb: Int,
        c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, accumulate: Bool
    ) {
        @inline(__always) func ld(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        }
        @inline(__always) func st(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
        }
        var c0a = SIMD16<Float>(), c0b = SIMD16<Float>(), c0c = SIMD16<Float>(), c0d = SIMD16<Float>()
        var c1a = SIMD16<Float>(), c1b = SIMD16<Float>(), c1c = SIMD16<Float>(), c1d = SIMD16<Float>()
        var c2a = SIMD16<Float>(), c2b = SIMD16<Float>(), c2c = SIMD16<Float>(), c2d = SIMD16<Float>()
        var c3a = SIMD16<Float>(), c3b = SIMD16<Float>(), c3c = SIMD16<Float>(), c3d = SIMD16<Float>()
        if accumulate {
            let r0 = c, r1 = c + ldc, r2 = c + 2 * ldc, r3 = c + 3 * ldc
            c0a = ld(r0); c0b = ld(r0 + 16); c0c = ld(r0 + 32); c0d = ld(r0 + 48)
            if rows > 1 { c1a = ld(r1); c1b = ld(r1 + 16); c1c = ld(r1 + 32); c1d = ld(r1 + 48) }
            if rows > 2 { c2a = ld(r2); c2b = ld(r2 + 16); c2c = ld(r2 + 32); c2d = ld(r2 + 48) }
            if rows > 3 { c3a = ld(r3); c3b = ld(r3 + 16); c3c = ld(r3 + 32); c3d = ld(r3 + 48) }
        }
        var ap = a
        var bp = b
        for _ in 0 ..< depth {
            let b0 = ld(bp), b1 = ld(bp + 16), b2 = ld(bp + secondPanel), b3 = ld(bp + secondPanel + 16)
            let a0 = SIMD16<Float>(repeating: ap.value(0))
            c0a.addProduct(a0, b0); c0b.addProduct(a0, b1); c0c.addProduct(a0, b2); c0d.addProduct(a0, b3)
            let a1 = SIMD16<Float>(repeating: ap.value(1))
            c1a.addProduct(a1, b0); c1b.addProduct(a1, b1); c1c.addProduct(a1, b2); c1d.addProduct(a1, b3)
            let a2 = SIMD16<Float>(repeating: ap.value(2))
            c2a.addProduct(a2, b0); c2b.addProduct(a2, b1); c2c.addProduct(a2, b2); c2d.addProduct(a2, b3)
            let a3 = SIMD16<Float>(repeating: ap.value(3))
            c3a.addProduct(a3, b0); c3b.addProduct(a3, b1); c3c.addProduct(a3, b2); c3d.addProduct(a3, b3)
            ap.advance()
            bp += ldb
        }
        let r0 = c, r1 = c + ldc, r2 = c + 2 * ldc, r3 = c + 3 * ldc
        st(c0a, r0); st(c0b, r0 + 16); st(c0c, r0 + 32); st(c0d, r0 + 48)
        if rows > 1 { st(c1a, r1); st(c1b, r1 + 16); st(c1c, r1 + 32); st(c1d, r1 + 48) }
        if rows > 2 { st(c2a, r2); st(c2b, r2 + 16); st(c2c, r2 + 32); st(c2d, r2 + 48) }
        if rows > 3 { st(c3a, r3); st(c3b, r3 + 16); st(c3c, r3 + 32); st(c3d, r3 + 48) }
    }
}
