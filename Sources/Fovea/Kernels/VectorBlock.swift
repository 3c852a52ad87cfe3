/// Sixteen `SIMD16<Float>` values held in registers: a 16 × 16 block of a matrix (row `i` in
/// `e<i>`, see `Transpose`), or a 4 × 4 Winograd tile of 16-channel vectors.
///
/// Named fields rather than an array: every access has a constant index after inlining, so
/// the block never touches memory (an `InlineArray` was built through a non-inlined generic
/// initialiser).
struct VectorBlock {
    var e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15: SIMD16<Float>

    @inline(__always)
    init(_ e0: SIMD16<Float>, _ e1: SIMD16<Float>, _ e2: SIMD16<Float>, _ e3: SIMD16<Float>,
         _ e4: SIMD16<Float>, _ e5: SIMD16<Float>, _ e6: SIMD16<Float>, _ e7: SIMD16<Float>,
         _ e8: SIMD16<Float>, _ e9: SIMD16<Float>, _ e10: SIMD16<Float>, _ e11: SIMD16<Float>,
         _ e12: SIMD16<Float>, _ e13: SIMD16<Float>, _ e14: SIMD16<Float>, _ e15: SIMD16<Float>) {
        (self.e0, self.e1, self.e2, self.e3) = (e0, e1, e2, e3)
        (self.e4, self.e5, self.e6, self.e7) = (e4, e5, e6, e7)
        (self.e8, self.e9, self.e10, self.e11) = (e8, e9, e10, e11)
        (self.e12, self.e13, self.e14, self.e15) = (e12, e13, e14, e15)
    }

    /// Element `i` is `element(i)`, for `i = 0 ..< 16` in order.
    @inline(__always)
    init(_ element: (Int) -> SIMD16<Float>) {
        self.init(element(0), element(1), element(2), element(3), element(4), element(5), element(6), element(7),
                  element(8), element(9), element(10), element(11), element(12), element(13), element(14), element(15))
    }

    /// Element `i` is `transform(i, e<i>)`, for `i = 0 ..< 16` in order.
    @inline(__always)
    func mapped(_ transform: (Int, SIMD16<Float>) -> SIMD16<Float>) -> VectorBlock {
        VectorBlock(transform(0, e0), transform(1, e1), transform(2, e2), transform(3, e3),
                    transform(4, e4), transform(5, e5), transform(6, e6), transform(7, e7),
                    transform(8, e8), transform(9, e9), transform(10, e10), transform(11, e11),
                    transform(12, e12), transform(13, e13), transform(14, e14), transform(15, e15))
    }

    /// Calls `body(i, e<i>)` for `i = 0 ..< 16` in order.
    @inline(__always)
    func forEach(_ body: (Int, SIMD16<Float>) -> Void) {
        body(0, e0); body(1, e1); body(2, e2); body(3, e3); body(4, e4); body(5, e5); body(6, e6); body(7, e7)
        body(8, e8); body(9, e9); body(10, e10); body(11, e11); body(12, e12); body(13, e13); body(14, e14); body(15, e15)
    }

    /// The block transposed: lane `j` of row `i` becomes lane `i` of row `j`. Four rounds of
    /// "zip" (row `2i` takes the interleaved low halves of rows `i` and `i + 8`, row `2i + 1`
    /// their high halves): each round rotates the 8-bit (row, lane) index of every element left
    /// by one bit, and four rotations swap row and lane. 64 two-source permutes.
    @inline(__always)
    var transposed: VectorBlock {
        @inline(__always) func round(_ b: VectorBlock) -> VectorBlock {
            VectorBlock(VectorLanes.zipLow(b.e0, b.e8), VectorLanes.zipHigh(b.e0, b.e8),
                        VectorLanes.zipLow(b.e1, b.e9), VectorLanes.zipHigh(b.e1, b.e9),
                        VectorLanes.zipLow(b.e2, b.e10), VectorLanes.zipHigh(b.e2, b.e10),
                        VectorLanes.zipLow(b.e3, b.e11), VectorLanes.zipHigh(b.e3, b.e11),
                        VectorLanes.zipLow(b.e4, b.e12), VectorLanes.zipHigh(b.e4, b.e12),
                        VectorLanes.zipLow(b.e5, b.e13), VectorLanes.zipHigh(b.e5, b.e13),
                        VectorLanes.zipLow(b.e6, b.e14), VectorLanes.zipHigh(b.e6, b.e14),
                        VectorLanes.zipLow(b.e7, b.e15), VectorLanes.zipHigh(b.e7, b.e15))
        }
        return round(round(round(round(self))))
    }
}
