// Kernel legend: Winograd F(4×4, 3×3) (Lavin & Gray 2016). One 4 × 4 output tile y of a 3 × 3
// cross-correlation of a 6 × 6 input tile d with a kernel g is
//
//     y = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A          (36 multiplications instead of 144)
//
//     Bᵀ = | 4  0 −5  0  1  0 |    G = |  1/4     0     0  |    Aᵀ = | 1  1  1  1  1  0 |
//          | 0 −4 −4  1  1  0 |        | −1/6  −1/6  −1/6  |         | 0  1 −1  2 −2  0 |
//          | 0  4 −4 −1  1  0 |        | −1/6   1/6  −1/6  |         | 0  1  1  4  4  0 |
//          | 0 −2 −1  2  1  0 |        |  1/24  1/12  1/6  |         | 0  1 −1  8 −8  1 |
//          | 0  2 −1 −2  1  0 |        |  1/24 −1/12  1/6  |
//          | 0  4  0 −5  0  1 |        |  0     0     1    |
//
// and the backward passes are the exact gradients: dM = A dy Aᵀ, dg = Gᵀ dU G, dd = B dV Bᵀ.
// A 6 × 6 tile of 16-channel vectors (36 registers) does not fit the register file, so each 2-D
// transform runs as two 1-D passes — down the columns into a 36-vector scratch `temp` (in L1),
// then along the rows — with the 1-D transforms below. Element (u, v) of a transformed tile is
// plane ξ = 6u + v.

/// What the 1-D transforms compute on: a `SIMD16<Float>` of 16 channels (tile transforms) or of
/// 16 (output, input) channel pairs (kernel transforms, once per call).
protocol WinogradArithmetic {
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Float) -> Self
}
extension SIMD16: WinogradArithmetic where Scalar == Float {}

/// The six-point 1-D transforms of F(4, 3).
enum Winograd4x4 {
    typealias Six<T> = (T, T, T, T, T, T)
    typealias Four<T> = (T, T, T, T)

    /// `Bᵀ d`.
    @inline(__always)
    static func input<T: WinogradArithmetic>(_ d: Six<T>) -> Six<T> {
        let (d0, d1, d2, d3, d4, d5) = d
        return (d0 * 4 - d2 * 5 + d4,
                d3 + d4 - (d1 + d2) * 4,
                (d1 - d2) * 4 + d4 - d3,
                (d3 - d1) * 2 + d4 - d2,
                (d1 - d3) * 2 + d4 - d2,
                d1 * 4 - d3 * 5 + d5)
    }

    /// `B dv`: the gradient of `input`.
    @inline(__always)
    static func inputGradient<T: WinogradArithmetic>(_ v: Six<T>) -> Six<T> {
        let (v0, v1, v2, v3, v4, v5) = v
        return (v0 * 4,
                (v2 - v1 + v5) * 4 + (v4 - v3) * 2,
                v0 * -5 - (v1 + v2) * 4 - v3 - v4,
                v1 - v2 + (v3 - v4) * 2 - v5 * 5,
                v0 + v1 + v2 + v3 + v4,
                v5)
    }

    /// `Aᵀ m`.
    @inline(__always)
    static func output<T: WinogradArithmetic>(_ m: Six<T>) -> Four<T> {
        let (m0, m1, m2, m3, m4, m5) = m
        let sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4
        return (m0 + sum12 + sum34, difference12 + difference34 * 2, sum12 + sum34 * 4, difference12 + difference34 * 8 + m5)
    }

    /// `A dy`: the gradient of `output`.
    @inline(__always)
    static func outputGradient<T: WinogradArithmetic>(_ y: Four<T>) -> Six<T> {
        let (y0, y1, y2, y3) = y
        let even = y0 + y2, odd = y1 + y3
        let evenWide = y0 + y2 * 4, oddWide = y1 * 2 + y3 * 8
        return (y0, even + odd, even - odd, evenWide + oddWide, evenWide - oddWide, y3)
    }

    /// `G g` of one kernel column or row.
    @inline(__always)
    static func kernel<T: WinogradArithmetic>(_ g0: T, _ g1: T, _ g2: T) -> Six<T> {
        let outer = g0 + g2
        return (g0 * 0.25, (outer + g1) * (-1.0 / 6), (outer - g1) * (-1.0 / 6),
                g0 * (1.0 / 24) + g1 * (1.0 / 12) + g2 * (1.0 / 6), g0 * (1.0 / 24) - g1 * (1.0 / 12) + g2 * (1.0 / 6), g2)
    }

    /// `Gᵀ du`: the gradient of `kernel`.
    @inline(__always)
    static func kernelGradient<T: WinogradArithmetic>(_ u: Six<T>) -> (T, T, T) {
        let (u0, u1, u2, u3, u4, u5) = u
        return (u0 * 0.25 - (u1 + u2) * (1.0 / 6) + (u3 + u4) * (1.0 / 24),
                (u2 - u1) * (1.0 / 6) + (u3 - u4) * (1.0 / 12),
                (u3 + u4 - u1 - u2) * (1.0 / 6) + u5)
    }

    // MARK: 2-D tile transforms on 16 channels

    /// `V = Bᵀ d B` of the 6 × 6 input tile at `d` (element (u, v) at `d + u·rowStride +
    /// v·columnStride`), written to plane ξ at `v + ξ · planeStride`.
    @inline(__always)
    static func inputTile(_ d: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
                          into v: UnsafeMutablePointer<Float>, planeStride: Int, temp: UnsafeMutablePointer<Float>) {
        for column in 0 ..< 6 {
            let p = d + column &* columnStride
            @inline(__always) func ld(_ u: Int) -> SIMD16<Float> { VectorLanes.load(p + u &* rowStride) }
            store(input((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5))), temp + column &* 16, stride: 96)
        }
        for row in 0 ..< 6 {
            let t = temp + row &* 96
            @inline(__always) func ld(_ c: Int) -> SIMD16<Float> { VectorLanes.load(t + c &* 16) }
            store(input((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5))), v + (6 &* row) &* planeStride, stride: planeStride)
        }
    }

    /// `dd = B dV Bᵀ` of the planes at `dv + ξ · planeStride`, added into the 6 × 6 window at
    /// `d` (layout as in `inputTile`).
    @inline(__always)
    static func inputGradientTile(_ dv: UnsafePointer<Float>, planeStride: Int, addingInto d: UnsafeMutablePointer<Float>,
                                  rowStride: Int, columnStride: Int, temp: UnsafeMutablePointer<Float>) {
        for column in 0 ..< 6 {
            let p = dv + column &* planeStride
            @inline(__always) func ld(_ u: Int) -> SIMD16<Float> { VectorLanes.load(p + (6 &* u) &* planeStride) }
            store(inputGradient((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5))), temp + column &* 16, stride: 96)
        }
        for row in 0 ..< 6 {
            let t = temp + row &* 96
            @inline(__always) func ld(_ c: Int) -> SIMD16<Float> { VectorLanes.load(t + c &* 16) }
            let (o0, o1, o2, o3, o4, o5) = inputGradient((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5)))
            let p = d + row &* rowStride
            @inline(__always) func acc(_ value: SIMD16<Float>, _ c: Int) {
                let q = p + c &* columnStride
                VectorLanes.store(VectorLanes.load(q) + value, q)
            }
            acc(o0, 0); acc(o1, 1); acc(o2, 2); acc(o3, 3); acc(o4, 4); acc(o5, 5)
        }
    }

    /// `y = Aᵀ M A + bias` of the planes at `m + ξ · planeStride`, written to the 4 × 4 tile at
    /// `y` (element (a, b) at `y + a·rowStride + b·columnStride`).
    @inline(__always)
    static func outputTile(_ m: UnsafePointer<Float>, planeStride: Int, bias: SIMD16<Float>, into y: UnsafeMutablePointer<Float>,
                           rowStride: Int, columnStride: Int, temp: UnsafeMutablePointer<Float>) {
        for column in 0 ..< 6 {
            let p = m + column &* planeStride
            @inline(__always) func ld(_ u: Int) -> SIMD16<Float> { VectorLanes.load(p + (6 &* u) &* planeStride) }
            let (r0, r1, r2, r3) = output((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5)))
            let t = temp + column &* 16
            VectorLanes.store(r0, t); VectorLanes.store(r1, t + 96); VectorLanes.store(r2, t + 192); VectorLanes.store(r3, t + 288)
        }
        for row in 0 ..< 4 {
            let t = temp + row &* 96
            @inline(__always) func ld(_ c: Int) -> SIMD16<Float> { VectorLanes.load(t + c &* 16) }
            let (o0, o1, o2, o3) = output((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5)))
            let p = y + row &* rowStride
            VectorLanes.store(o0 + bias, p)
            VectorLanes.store(o1 + bias, p + columnStride)
            VectorLanes.store(o2 + bias, p + 2 &* columnStride)
            VectorLanes.store(o3 + bias, p + 3 &* columnStride)
        }
    }

    /// `dM = A dy Aᵀ` of the 4 × 4 output-gradient tile at `dy` (layout as in `outputTile`),
    /// written to plane ξ at `dm + ξ · planeStride`.
    @inline(__always)
    static func outputGradientTile(_ dy: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
                                   into dm: UnsafeMutablePointer<Float>, planeStride: Int, temp: UnsafeMutablePointer<Float>) {
        for column in 0 ..< 4 {
            let p = dy + column &* columnStride
            @inline(__always) func ld(_ a: Int) -> SIMD16<Float> { VectorLanes.load(p + a &* rowStride) }
            store(outputGradient((ld(0), ld(1), ld(2), ld(3))), temp + column &* 16, stride: 64)
        }
        for row in 0 ..< 6 {
            let t = temp + row &* 64
            @inline(__always) func ld(_ c: Int) -> SIMD16<Float> { VectorLanes.load(t + c &* 16) }
            store(outputGradient((ld(0), ld(1), ld(2), ld(3))), dm + (6 &* row) &* planeStride, stride: planeStride)
        }
    }

    /// Stores six vectors `stride` floats apart.
    @inline(__always)
    static func store(_ values: Six<SIMD16<Float>>, _ p: UnsafeMutablePointer<Float>, stride: Int) {
        VectorLanes.store(values.0, p)
        VectorLanes.store(values.1, p + stride)
        VectorLanes.store(values.2, p + 2 &* stride)
        VectorLanes.store(values.3, p + 3 &* stride)
        VectorLanes.store(values.4, p + 4 &* stride)
        VectorLanes.store(values.5, p + 5 &* stride)
    }

    // MARK: Kernel transforms (16 channel pairs at once, once per layer call)

    /// `U = G g Gᵀ` of sixteen 3 × 3 kernels: `tap(i)` holds tap i (row-major) of each; plane
    /// ξ's vector is stored at `u + ξ · stride`.
    @inline(__always)
    static func kernelTiles(_ tap: (Int) -> SIMD16<Float>, into u: UnsafeMutablePointer<Float>, stride: Int) {
        // t = G g, 6 × 3, column by column.
        let c0 = kernel(tap(0), tap(3), tap(6)), c1 = kernel(tap(1), tap(4), tap(7)), c2 = kernel(tap(2), tap(5), tap(8))
        @inline(__always) func row(_ r: Int, _ a: SIMD16<Float>, _ b: SIMD16<Float>, _ c: SIMD16<Float>) {
            store(kernel(a, b, c), u + (6 * r) * stride, stride: stride)
        }
        row(0, c0.0, c1.0, c2.0); row(1, c0.1, c1.1, c2.1); row(2, c0.2, c1.2, c2.2)
        row(3, c0.3, c1.3, c2.3); row(4, c0.4, c1.4, c2.4); row(5, c0.5, c1.5, c2.5)
    }

    /// `dg = Gᵀ dU G` of sixteen kernels: reads plane ξ's vector at `du + ξ · stride` and hands
    /// tap i (row-major) of the 3 × 3 gradients to `store(i, vector)`.
    @inline(__always)
    static func kernelGradientTiles(_ du: UnsafePointer<Float>, stride: Int, into store: (Int, SIMD16<Float>) -> Void) {
        // t = Gᵀ dU, 3 × 6, column by column.
        @inline(__always) func column(_ v: Int) -> (SIMD16<Float>, SIMD16<Float>, SIMD16<Float>) {
            let p = du + v * stride
            @inline(__always) func ld(_ u: Int) -> SIMD16<Float> { VectorLanes.load(p + 6 * u * stride) }
            return kernelGradient((ld(0), ld(1), ld(2), ld(3), ld(4), ld(5)))
        }
        let t0 = column(0), t1 = column(1), t2 = column(2), t3 = column(3), t4 = column(4), t5 = column(5)
        let r0 = kernelGradient((t0.0, t1.0, t2.0, t3.0, t4.0, t5.0))
        let r1 = kernelGradient((t0.1, t1.1, t2.1, t3.1, t4.1, t5.1))
        let r2 = kernelGradient((t0.2, t1.2, t2.2, t3.2, t4.2, t5.2))
        store(0, r0.0); store(1, r0.1); store(2, r0.2)
        store(3, r1.0); store(4, r1.1); store(5, r1.2)
        store(6, r2.0); store(7, r2.1); store(8, r2.2)
    }
}
