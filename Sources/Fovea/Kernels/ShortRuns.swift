// Vector helpers for the short runs of floats the phase-window convolution moves (an output row
// of a small image: 7 or 14 floats), where a call to memmove or memset costs more than the work.

/// `p[0 ..< count] = value` in whole vectors (`update(repeating:)` compiles to a scalar loop).
@inline(__always)
func fillFloats(_ p: UnsafeMutablePointer<Float>, with value: Float, count: Int) {
    let v = SIMD16<Float>(repeating: value)
    var i = 0
    while i &+ 16 <= count {
        VectorLanes.store(v, p + i)
        i &+= 16
    }
    VectorLanes.store(v, p + i, count: count &- i)
}

/// `dst[i] += src[i]` for `i < count`, in whole vectors of 8: the lanes of the last vector past
/// `count` add +0 to `dst` (so both may be read, and `dst` rewritten, up to 7 floats past
/// `count`; the values there do not change, except −0 becoming +0).
@inline(__always)
func addRunMasked(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
    // Float lanes: the comparison of Float vectors is one instruction (the generic integer one
    // is a loop over the lanes).
    let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7)
    var i = 0
    while i < count {
        let s = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        let d = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self)
        let kept = SIMD8<Float>().replacing(with: s, where: lanes .< SIMD8<Float>(repeating: Float(count &- i)))
        UnsafeMutableRawPointer(dst + i).storeBytes(of: d + kept, as: SIMD8<Float>.self)
        i &+= 8
    }
}
