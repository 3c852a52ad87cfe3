// Elementwise kernels over flat float arrays, written with SIMD16 so that they compile to
// branch-free vector code (a scalar `x > 0 ? a : b` becomes a branch that mispredicts on
// activations, costing ~14 cycles per element).

/// Elementwise kernels; each processes 16 values at a time and finishes with a scalar tail.
public enum Elementwise {
    /// `y[i] = max(x[i], 0)`.
    public static func relu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= count {
            let v = VectorLanes.load(x + i)
            VectorLanes.store(v.replacing(with: zero, where: v .< zero), y + i)
            i &+= 16
        }
        while i < count {
            y[i] = x[i] < 0 ? 0 : x[i]
            i &+= 1
        }
    }

    /// `dx[i] = y[i] > 0 ? dy[i] : 0`.
    public static func reluBackward(output y: UnsafePointer<Float>, dOutput dy: UnsafePointer<Float>,
                                    dInput dx: UnsafeMutablePointer<Float>, count: Int) {
        let zero = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(VectorLanes.load(dy + i).replacing(with: zero, where: VectorLanes.load(y + i) .<= zero), dx + i)
            i &+= 16
        }
        while i < count {
            dx[i] = y[i] > 0 ? dy[i] : 0
            i &+= 1
        }
    }

    /// `z[i] = x[i] · m[i]`.
    public static func multiply(_ x: UnsafePointer<Float>, _ m: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(VectorLanes.load(x + i) * VectorLanes.load(m + i), z + i)
            i &+= 16
        }
        while i < count {
            z[i] = x[i] * m[i]
            i &+= 1
        }
    }

    /// `Σ x[i]` in a fixed order: 16 running lane sums over the 16-aligned prefix, the lanes
    /// added from 0 to 15, then the tail. The same input always gives the same bits.
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= count {
            lanes += VectorLanes.load(x + i)
            i &+= 16
        }
        var total: Float = 0
        for lane in 0 ..< 16 { total += lanes[lane] }
        while i < count {
            total += x[i]
            i &+= 1
        }
        return total
    }

    /// `Σ (x[i] − mean)²` in `reduce`'s fixed order.
    public static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, count: Int, from mean: Float) -> Float {
        reduce(count) { d in
            let v = VectorLanes.load(x + d.offset, count: d.count) - mean
            // Lanes past `count` were loaded as 0 and must add nothing.
            return (v * v).replacing(with: 0, where: d.mask)
        }
    }

    /// `Σ dy[i] · (x[i] − shift) · scale` in `reduce`'s fixed order.
    public static func sumOfProducts(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
                                     shiftedBy shift: Float, scaledBy scale: Float) -> Float {
        reduce(count) { d in VectorLanes.load(dy + d.offset, count: d.count) * ((VectorLanes.load(x + d.offset, count: d.count) - shift) * scale) }
    }

    /// Where `reduce` is in its array: 16 values from `offset` (or `count` < 16 at the end, the
    /// lanes of `mask` past them).
    struct ReductionBlock {
        let offset: Int
        let count: Int
        let mask: SIMDMask<SIMD16<Int32>>
    }

    /// The sum of the vectors `term` gives for each block of 16 values, in one fixed order: 16
    /// running lane sums (the last, short block added like the others), then the lanes added
    /// from 0 to 15. `term` must give 0 in lanes past a short block's count.
    @inline(__always)
    static func reduce(_ count: Int, _ term: (ReductionBlock) -> SIMD16<Float>) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        let none = SIMDMask<SIMD16<Int32>>(repeating: false)
        while i &+ 16 <= count {
            lanes += term(ReductionBlock(offset: i, count: 16, mask: none))
            i &+= 16
        }
        if i < count {
            let rest = count &- i
            let lane = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
            lanes += term(ReductionBlock(offset: i, count: rest, mask: lane .>= Int32(rest)))
        }
        var total: Float = 0
        for lane in 0 ..< 16 { total += lanes[lane] }
        return total
    }

    /// `y[i] += x[i]`.
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(VectorLanes.load(y + i) + VectorLanes.load(x + i), y + i)
            i &+= 16
        }
        while i < count {
            y[i] += x[i]
            i &+= 1
        }
    }

    /// `y[i] = f(x[i])`, 16 values at a time; the tail goes through the same `f` in a vector
    /// padded with zeros (nothing past `count` is read or written), so each value gets the same
    /// bits wherever it lies. For the activations, whose `f` is inlined here.
    @inline(__always)
    static func map(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                    _ f: (SIMD16<Float>) -> SIMD16<Float>) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(f(VectorLanes.load(x + i)), y + i)
            i &+= 16
        }
        if i < count { VectorLanes.store(f(VectorLanes.load(x + i, count: count &- i)), y + i, count: count &- i) }
    }

    /// `z[i] = f(a[i], b[i])`, as `map(_:_:count:_:)`: for the activations' backward passes,
    /// `dx = f(dy, x or y)`.
    @inline(__always)
    static func map(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int,
                    _ f: (SIMD16<Float>, SIMD16<Float>) -> SIMD16<Float>) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(f(VectorLanes.load(a + i), VectorLanes.load(b + i)), z + i)
            i &+= 16
        }
        if i < count {
            let rest = count &- i
            VectorLanes.store(f(VectorLanes.load(a + i, count: rest), VectorLanes.load(b + i, count: rest)), z + i, count: rest)
        }
    }
}
