/// Which of two values a selecting pool keeps: the larger (max pooling) or the smaller (min
/// pooling). `prefers` is strict, so of equal values the first in window order stays.
protocol PoolingSelection {
    static func prefers(_ candidate: Float, over best: Float) -> Bool
    static func prefers(_ candidate: SIMD16<Float>, over best: SIMD16<Float>) -> SIMDMask<SIMD16<Int32>>
}

/// The forward and backward passes of max and min pooling, on any `PoolingGeometry`.
///
/// Forward: each output is the preferred value of its window's image cells (padding never
/// wins). Backward: each output's gradient goes to the first cell of its window, in row-major
/// order, that holds the output value; it is found again from x and y rather than stored. Where
/// windows overlap (`stride < kernel`) the gradients add up.
enum SelectionPooling<Selection: PoolingSelection> {
    /// `y[N·C, P, Q]` from `x[N·C, H, W]`, `planes = N·C`.
    static func forward(_ geometry: PoolingGeometry, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, planes: Int) {
        if geometry.isTwoByTwo {
            TwoByTwoPooling(geometry: geometry).forward(x: x, y: y, planes: planes, SelectionPooling.self, parameter: 0)
            return
        }
        let width = geometry.input.width
        geometry.forEachWindow(planes: planes) { inputPlane, o, rows, columns in
            let x = x + inputPlane
            var best = x[rows.lowerBound &* width &+ columns.lowerBound]
            for r in rows {
                for s in columns where Selection.prefers(x[r &* width &+ s], over: best) { best = x[r &* width &+ s] }
            }
            y[o] = best
        }
    }

    /// `dx[N·C, H, W]` (overwritten) from `dy[N·C, P, Q]`, given the forward pass's x and y.
    static func backward(_ geometry: PoolingGeometry, x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                         dx: UnsafeMutablePointer<Float>, planes: Int) {
        if geometry.isTwoByTwo {
            TwoByTwoPooling(geometry: geometry).backward(x: x, y: y, dy: dy, dx: dx, planes: planes, SelectionPooling.self, parameter: 0)
            return
        }
        let width = geometry.input.width
        dx.update(repeating: 0, count: planes &* geometry.inputPlane)
        geometry.forEachWindow(planes: planes) { inputPlane, o, rows, columns in
            let x = x + inputPlane
            // The first cell holding the output: scan backwards with a branch-free select, so
            // the last match seen is the first in window order (the first cell if none matches,
            // as with a NaN).
            var selected = rows.lowerBound &* width &+ columns.lowerBound
            for r in rows.reversed() {
                for s in columns.reversed() {
                    let j = r &* width &+ s
                    selected = x[j] == y[o] ? j : selected
                }
            }
            dx[inputPlane &+ selected] += dy[o]
        }
    }

    /// Lane by lane, `b` where it is preferred to `a`, else `a`.
    @inline(__always)
    private static func select(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        a.replacing(with: b, where: Selection.prefers(b, over: a))
    }
}

extension SelectionPooling: TwoByTwoReduction {
    /// The preferred of the four values.
    @inline(__always)
    static func output(of w: TwoByTwoPooling.Window, _ parameter: Float) -> SIMD16<Float> {
        select(select(w.topLeft, w.topRight), select(w.bottomLeft, w.bottomRight))
    }

    /// The gradient to the first position (row-major) equal to the output; to the first
    /// position if none is (a NaN).
    @inline(__always)
    static func gradients(of w: TwoByTwoPooling.Window, y best: SIMD16<Float>, dy gradient: SIMD16<Float>, _ parameter: Float) -> TwoByTwoPooling.Window {
        let isA = w.topLeft .== best
        let isB = w.topRight .== best .& .!isA
        let isC = w.bottomLeft .== best .& .!(isA .| isB)
        let isD = w.bottomRight .== best .& .!(isA .| isB .| isC)
        let toA = isA .| .!(isA .| isB .| isC .| isD)
        let zero = SIMD16<Float>()
        return TwoByTwoPooling.Window(topLeft: zero.replacing(with: gradient, where: toA), topRight: zero.replacing(with: gradient, where: isB),
                                      bottomLeft: zero.replacing(with: gradient, where: isC), bottomRight: zero.replacing(with: gradient, where: isD))
    }
}
