/// The forward and backward passes of sum and average pooling, on any `PoolingGeometry`: each
/// output is the sum of its window's image cells (padding adds nothing), summed in row-major
/// window order, divided by `divisor` (1 for sum pooling, `K²` for average pooling, which PyTorch
/// divides by too). Backward: every cell of a window gets `dy / divisor`; where windows overlap
/// they add up.
enum SummingPooling {
    /// `y[N·C, P, Q]` from `x[N·C, H, W]`, `planes = N·C`.
    static func forward(_ geometry: PoolingGeometry, divisor: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, planes: Int) {
        if geometry.isTwoByTwo {
            TwoByTwoPooling(geometry: geometry).forward(x: x, y: y, planes: planes, SummingPooling.self, parameter: divisor)
            return
        }
        let width = geometry.input.width
        geometry.forEachWindow(planes: planes) { inputPlane, o, rows, columns in
            var sum: Float = 0
            for r in rows {
                for s in columns { sum += x[inputPlane &+ r &* width &+ s] }
            }
            y[o] = sum / divisor
        }
    }

    /// `dx[N·C, H, W]` (overwritten) from `dy[N·C, P, Q]`.
    static func backward(_ geometry: PoolingGeometry, divisor: Float, x: UnsafePointer<Float>, y: UnsafePointer<Float>,
                         dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, planes: Int) {
        if geometry.isTwoByTwo {
            TwoByTwoPooling(geometry: geometry).backward(x: x, y: y, dy: dy, dx: dx, planes: planes, SummingPooling.self, parameter: divisor)
            return
        }
        let width = geometry.input.width
        dx.update(repeating: 0, count: planes &* geometry.inputPlane)
        geometry.forEachWindow(planes: planes) { inputPlane, o, rows, columns in
            let share = dy[o] / divisor
            for r in rows {
                for s in columns { dx[inputPlane &+ r &* width &+ s] += share }
            }
        }
    }
}

extension SummingPooling: TwoByTwoReduction {
    /// `(((a + b) + c) + d) / divisor`, the order of the general path.
    @inline(__always)
    static func output(of w: TwoByTwoPooling.Window, _ divisor: Float) -> SIMD16<Float> {
        (((w.topLeft + w.topRight) + w.bottomLeft) + w.bottomRight) / divisor
    }

    /// `dy / divisor` to every position.
    @inline(__always)
    static func gradients(of w: TwoByTwoPooling.Window, y: SIMD16<Float>, dy: SIMD16<Float>, _ divisor: Float) -> TwoByTwoPooling.Window {
        let share = dy / divisor
        return TwoByTwoPooling.Window(topLeft: share, topRight: share, bottomLeft: share, bottomRight: share)
    }
}
