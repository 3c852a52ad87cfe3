// Kernel legend: Winograd F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016). One 2 × 2 output tile y of a 3 × 3 cross-correlation of a 4 × 4 input tile d
// with a kernel g is
//
//     y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A          (16 multiplications instead of 36)
//
//     Bᵀ = | 1  0 −1  0 |     G = | 1    0    0  |     Aᵀ = | 1  1  1  0 |
//          | 0  1  1  0 |         | ½    ½    ½  |          | 0  1 −1 −1 |
//          | 0 −1  1  0 |         | ½   −½    ½  |
//          | 0  1  0 −1 |         | 0    0    1  |
//
// The backward passes are the exact gradients of that computation: dM = A dy Aᵀ,
// dg = Gᵀ dU G, dd = B dV Bᵀ. Every transform here works on 16 channels at once (one
// `SIMD16<Float>` per tile element), so a 4 × 4 tile is 16 vectors; element (u, v) of a
// transformed tile is called ξ = 4u + v.

/// A 4 × 4 tile of 16-channel vectors, element (u, v) in `e[4u + v]`, kept in registers.
typealias WinogradTile = VectorBlock

extension VectorBlock {
    /// Loads element ξ from `base + ξ-th offset`, where element (u, v) lies at
    /// `base + u · rowStride + v · columnStride`.
    @inline(__always)
    init(loading base: UnsafePointer<Float>, rowStride: Int, columnStride: Int) {
        @inline(__always) func ld(_ u: Int, _ v: Int) -> SIMD16<Float> {
            let offset: Int = u &* rowStride &+ v &* columnStride
            return UnsafeRawPointer(base + offset).loadUnaligned(as: SIMD16<Float>.self)
        }
        self.init(ld(0, 0), ld(0, 1), ld(0, 2), ld(0, 3), ld(1, 0), ld(1, 1), ld(1, 2), ld(1, 3),
                  ld(2, 0), ld(2, 1), ld(2, 2), ld(2, 3), ld(3, 0), ld(3, 1), ld(3, 2), ld(3, 3))
    }

    /// Loads element ξ from `base + ξ · stride` (a transformed tile stored plane by plane).
    @inline(__always)
    init(loadingPlanes base: UnsafePointer<Float>, stride: Int) {
        self.init(loading: base, rowStride: 4 &* stride, columnStride: stride)
    }

    /// Stores element ξ at `base + ξ · stride`.
    @inline(__always)
    func store(planes base: UnsafeMutablePointer<Float>, stride: Int) {
        @inline(__always) func st(_ v: SIMD16<Float>, _ xi: Int) {
            UnsafeMutableRawPointer(base + xi &* stride).storeBytes(of: v, as: SIMD16<Float>.self)
        }
        st(e0, 0); st(e1, 1); st(e2, 2); st(e3, 3); st(e4, 4); st(e5, 5); st(e6, 6); st(e7, 7)
        st(e8, 8); st(e9, 9); st(e10, 10); st(e11, 11); st(e12, 12); st(e13, 13); st(e14, 14); st(e15, 15)
    }

    /// Adds element (u, v) into `base + u · rowStride + v · columnStride`.
    @inline(__always)
    func add(into base: UnsafeMutablePointer<Float>, rowStride: Int, columnStride: Int) {
        @inline(__always) func acc(_ v: SIMD16<Float>, _ u: Int, _ w: Int) {
            let offset: Int = u &* rowStride &+ w &* columnStride
            let p = UnsafeMutableRawPointer(base + offset)
            p.storeBytes(of: p.loadUnaligned(as: SIMD16<Float>.self) + v, as: SIMD16<Float>.self)
        }
        acc(e0, 0, 0); acc(e1, 0, 1); acc(e2, 0, 2); acc(e3, 0, 3)
        acc(e4, 1, 0); acc(e5, 1, 1); acc(e6, 1, 2); acc(e7, 1, 3)
        acc(e8, 2, 0); acc(e9, 2, 1); acc(e10, 2, 2); acc(e11, 2, 3)
        acc(e12, 3, 0); acc(e13, 3, 1); acc(e14, 3, 2); acc(e15, 3, 3)
    }

    /// `V = Bᵀ d B` of an input tile `d`.
    @inline(__always)
    var inputTransformed: WinogradTile {
        // Rows: t = Bᵀ d.
        let t0 = (e0 - e8, e1 - e9, e2 - e10, e3 - e11)
        let t1 = (e4 + e8, e5 + e9, e6 + e10, e7 + e11)
        let t2 = (e8 - e4, e9 - e5, e10 - e6, e11 - e7)
        let t3 = (e4 - e12, e5 - e13, e6 - e14, e7 - e15)
        // Columns: t B.
        @inline(__always) func row(_ r: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>))
            -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            (r.0 - r.2, r.1 + r.2, r.2 - r.1, r.1 - r.3)
        }
        let v0 = row(t0), v1 = row(t1), v2 = row(t2), v3 = row(t3)
        return WinogradTile(v0.0, v0.1, v0.2, v0.3, v1.0, v1.1, v1.2, v1.3,
                            v2.0, v2.1, v2.2, v2.3, v3.0, v3.1, v3.2, v3.3)
    }

    /// `dd = B dV Bᵀ`: the gradient with respect to the input tile of `inputTransformed`.
    @inline(__always)
    var inputGradient: WinogradTile {
        // Rows: t = B dV.
        let t0 = (e0, e1, e2, e3)
        let t1 = (e4 - e8 + e12, e5 - e9 + e13, e6 - e10 + e14, e7 - e11 + e15)
        let t2 = (e4 + e8 - e0, e5 + e9 - e1, e6 + e10 - e2, e7 + e11 - e3)
        let t3 = (-e12, -e13, -e14, -e15)
        // Columns: t Bᵀ.
        @inline(__always) func row(_ r: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>))
            -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            (r.0, r.1 - r.2 + r.3, r.1 + r.2 - r.0, -r.3)
        }
        let d0 = row(t0), d1 = row(t1), d2 = row(t2), d3 = row(t3)
        return WinogradTile(d0.0, d0.1, d0.2, d0.3, d1.0, d1.1, d1.2, d1.3,
                            d2.0, d2.1, d2.2, d2.3, d3.0, d3.1, d3.2, d3.3)
    }

    /// `y = Aᵀ M A`: the 2 × 2 output tile `(y00, y01, y10, y11)` of a transformed product `M`.
    @inline(__always)
    var outputTransformed: (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
        // Rows: r = Aᵀ M (2 × 4).
        let r0 = (e0 + e4 + e8, e1 + e5 + e9, e2 + e6 + e10, e3 + e7 + e11)
        let r1 = (e4 - e8 - e12, e5 - e9 - e13, e6 - e10 - e14, e7 - e11 - e15)
        // Columns: r A.
        return (r0.0 + r0.1 + r0.2, r0.1 - r0.2 - r0.3, r1.0 + r1.1 + r1.2, r1.1 - r1.2 - r1.3)
    }

    /// `dM = A dy Aᵀ`: the gradient with respect to `M` of `outputTransformed`, from the 2 × 2
    /// output gradient `(d00, d01, d10, d11)`.
    @inline(__always)
    init(outputGradient d00: SIMD16<Float>, _ d01: SIMD16<Float>, _ d10: SIMD16<Float>, _ d11: SIMD16<Float>) {
        // Rows: t = A dy (4 × 2).
        let t0 = (d00, d01), t1 = (d00 + d10, d01 + d11), t2 = (d00 - d10, d01 - d11), t3 = (-d10, -d11)
        // Columns: t Aᵀ.
        @inline(__always) func row(_ r: (SIMD16<Float>, SIMD16<Float>))
            -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            (r.0, r.0 + r.1, r.0 - r.1, -r.1)
        }
        let m0 = row(t0), m1 = row(t1), m2 = row(t2), m3 = row(t3)
        self.init(m0.0, m0.1, m0.2, m0.3, m1.0, m1.1, m1.2, m1.3,
                  m2.0, m2.1, m2.2, m2.3, m3.0, m3.1, m3.2, m3.3)
    }
}

/// The kernel transforms of F(2×2, 3×3), on 16 (output, input) channel pairs at once (one per
/// lane); they run once per layer call, not per sample.
enum WinogradKernelTransform {
    /// `U = G g Gᵀ` of sixteen 3 × 3 kernels: `tap(i)` holds tap i (row-major) of each; plane
    /// ξ's vector is stored at `u + ξ · stride`.
    @inline(__always)
    static func forward(_ tap: (Int) -> SIMD16<Float>, into u: UnsafeMutablePointer<Float>, stride: Int) {
        // t = G g (4 × 3), column by column.
        @inline(__always) func column(_ s: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            let g0 = tap(s), g1 = tap(3 + s), g2 = tap(6 + s)
            return (g0, (g0 + g1 + g2) * 0.5, (g0 - g1 + g2) * 0.5, g2)
        }
        let c0 = column(0), c1 = column(1), c2 = column(2)
        // U = t Gᵀ (4 × 4): row u is G applied to row u of t.
        @inline(__always) func row(_ r: Int, _ t0: SIMD16<Float>, _ t1: SIMD16<Float>, _ t2: SIMD16<Float>) {
            VectorLanes.store(t0, u + (4 * r + 0) * stride)
            VectorLanes.store((t0 + t1 + t2) * 0.5, u + (4 * r + 1) * stride)
            VectorLanes.store((t0 - t1 + t2) * 0.5, u + (4 * r + 2) * stride)
            VectorLanes.store(t2, u + (4 * r + 3) * stride)
        }
        row(0, c0.0, c1.0, c2.0); row(1, c0.1, c1.1, c2.1); row(2, c0.2, c1.2, c2.2); row(3, c0.3, c1.3, c2.3)
    }

    /// `dg = Gᵀ dU G` of sixteen kernels: reads plane ξ's vector at `du + ξ · stride` and hands
    /// tap i (row-major) of the 3 × 3 gradients to `store(i, vector)`.
    @inline(__always)
    static func backward(_ du: UnsafePointer<Float>, stride: Int, into store: (Int, SIMD16<Float>) -> Void) {
        @inline(__always) func e(_ u: Int, _ v: Int) -> SIMD16<Float> { VectorLanes.load(du + (4 * u + v) * stride) }
        // t = Gᵀ dU (3 × 4), column by column.
        @inline(__always) func column(_ v: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            let a = e(0, v), b = e(1, v), c = e(2, v), d = e(3, v)
            return (a + (b + c) * 0.5, (b - c) * 0.5, (b + c) * 0.5 + d)
        }
        let t0 = column(0), t1 = column(1), t2 = column(2), t3 = column(3)
        // dg = t G (3 × 3), row by row.
        @inline(__always) func row(_ r: Int, _ x0: SIMD16<Float>, _ x1: SIMD16<Float>, _ x2: SIMD16<Float>, _ x3: SIMD16<Float>) {
            store(3 * r + 0, x0 + (x1 + x2) * 0.5)
            store(3 * r + 1, (x1 - x2) * 0.5)
            store(3 * r + 2, (x1 + x2) * 0.5 + x3)
        }
        row(0, t0.0, t1.0, t2.0, t3.0); row(1, t0.1, t1.1, t2.1, t3.1); row(2, t0.2, t1.2, t2.2, t3.2)
    }
}
