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

    /// `Σ (x[i] − mean)²` in `sum`'s fixed order.
    public static func sumOfSquaredDeviations(_ x: UnsafePointer<Float>, count: Int, from mean: Float) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= count {
            let d = VectorLanes.load(x + i) - mean
            lanes += d * d
            i &+= 16
        }
        var total: Float = 0
        for lane in 0 ..< 16 { total += lanes[lane] }
        while i < count {
            let d = x[i] - mean
            total += d * d
            i &+= 1
        }
        return total
    }

    /// `Σ dy[i] · ((x[i] − shift) · scale)` in `sum`'s fixed order.
    public static func sumOfProducts(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int,
                                     shiftedBy shift: Float, scaledBy scale: Float) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= count {
            lanes += VectorLanes.load(dy + i) * ((VectorLanes.load(x + i) - shift) * scale)
            i &+= 16
        }
        var total: Float = 0
        for lane in 0 ..< 16 { total += lanes[lane] }
        while i < count {
            total += dy[i] * ((x[i] - shift) * scale)
            i &+= 1
        }
        return total
    }

    /// `y[i] = x[i] · scale + shift`, the same bits in the vector body and the tail.
    public static func affine(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(VectorLanes.load(x + i) * scale + shift, y + i)
            i &+= 16
        }
        while i < count {
            y[i] = x[i] * scale + shift
            i &+= 1
        }
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

    /// `z[i] = Rule.apply(a[i], b[i], parameter)`, 16 values at a time; the tail goes through
    /// the same rule in a vector padded with zeros (nothing past `count` is read or written), so
    /// each value gets the same bits wherever it lies. For the activations: forward with
    /// `a = b = x`, backward with `a = dy` and `b` the input or output. The rule is a type, so
    /// that this loop is specialised for it and inlines it (a closure was left as a call per
    /// vector).
    static func map<Rule: LaneRule>(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int,
                                    parameter: Float, _: Rule.Type) {
        var i = 0
        while i &+ 16 <= count {
            VectorLanes.store(Rule.apply(VectorLanes.load(a + i), VectorLanes.load(b + i), parameter), z + i)
            i &+= 16
        }
        if i < count {
            let rest = count &- i
            VectorLanes.store(Rule.apply(VectorLanes.load(a + i, count: rest), VectorLanes.load(b + i, count: rest), parameter), z + i, count: rest)
        }
    }
}

/// An elementwise rule on 16 lanes for `Elementwise.map`: an activation's forward
/// (`apply(x, x, parameter)`) or backward (`apply(dy, x or y, parameter)`) step.
protocol LaneRule {
    static func apply(_ a: SIMD16<Float>, _ b: SIMD16<Float>, _ parameter: Float) -> SIMD16<Float>
}
