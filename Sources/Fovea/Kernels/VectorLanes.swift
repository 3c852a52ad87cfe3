/// Small `SIMD16<Float>` helpers shared by the kernels: loads and stores of a prefix of a vector
/// (for the ragged end of a row, touching nothing past it) and lane shuffles written with
/// constant indices, which LLVM turns into single permute instructions.
enum VectorLanes {
    /// 16 floats from `p`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    /// 16 floats to `p`.
    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
    }

    /// `count ≤ 16` floats from `p`, zero past `count` (nothing past `count` is read).
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count: Int) -> SIMD16<Float> {
        if count == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>()
        var l = 0
        if count >= 8 {
            v.lowHalf = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
            l = 8
        }
        while l < count {
            v[l] = p[l]
            l &+= 1
        }
        return v
    }

    /// The first `count ≤ 16` lanes of `v` to `p` (nothing past `count` is written).
    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count == 16 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
            return
        }
        var l = 0
        if count >= 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: v.lowHalf, as: SIMD8<Float>.self)
            l = 8
        }
        while l < count {
            p[l] = v[l]
            l &+= 1
        }
    }

    /// Copies `count` floats from `src` to `dst` (not overlapping), inlined: for the short rows
    /// of an image, where a call to `memmove` costs more than the copy.
    @inline(__always)
    static func copy(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i &+ 16 <= count {
            store(load(src + i), dst + i)
            i &+= 16
        }
        if i &+ 8 <= count {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
            i &+= 8
        }
        if i &+ 4 <= count {
            UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD4<Float>.self), as: SIMD4<Float>.self)
            i &+= 4
        }
        while i < count {
            dst[i] = src[i]
            i &+= 1
        }
    }

    /// Even and odd lanes of the 32 values `(a, b)`: `(a0, a2, …, b14)` and `(a1, a3, …, b15)`.
    @inline(__always)
    static func deinterleave(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> (even: SIMD16<Float>, odd: SIMD16<Float>) {
        (SIMD16(a[0], a[2], a[4], a[6], a[8], a[10], a[12], a[14], b[0], b[2], b[4], b[6], b[8], b[10], b[12], b[14]),
         SIMD16(a[1], a[3], a[5], a[7], a[9], a[11], a[13], a[15], b[1], b[3], b[5], b[7], b[9], b[11], b[13], b[15]))
    }

    /// Interleaved low halves `(a0, b0, a1, b1, …, a7, b7)`.
    @inline(__always)
    static func zipLow(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    /// Interleaved high halves `(a8, b8, …, a15, b15)`.
    @inline(__always)
    static func zipHigh(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
    }

    /// Lane-wise maximum, `b` where `b > a` (so a NaN in `b` is ignored); one compare and one
    /// blend, unlike the generic `pointwiseMax`, which the compiler leaves as a scalar loop.
    @inline(__always)
    static func maximum(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        a.replacing(with: b, where: b .> a)
    }
}
