/// What a pooling kind does with one 2 × 2 window (16 windows at a time, one per lane), for
/// `TwoByTwoPooling`. Static requirements, so that the generic loops are specialised for each
/// kind with these inlined (a closure there stays a call per vector).
protocol TwoByTwoReduction {
    /// The windows' outputs; `parameter` is the kind's constant (average pooling's divisor).
    static func output(of window: TwoByTwoPooling.Window, _ parameter: Float) -> SIMD16<Float>
    /// Each position's gradient, from the outputs `y` and their gradients `dy`.
    static func gradients(of window: TwoByTwoPooling.Window, y: SIMD16<Float>, dy: SIMD16<Float>, _ parameter: Float) -> TwoByTwoPooling.Window
}

/// The 2 × 2, stride-2 pool without padding (the common one), 16 output columns at a time, for
/// every pooling kind: the kind's `TwoByTwoReduction` gives what a window's four values become
/// and how an output's gradient goes back to them.
///
/// On even-sized planes up to 32 wide the vectors run past the end of a row (reading and writing
/// the rows after it, which are computed next and overwrite that spill), except near the end of
/// the tensors; elsewhere the last vector of a row is shortened to the row.
struct TwoByTwoPooling {
    let geometry: PoolingGeometry

    /// The four values of the windows of 16 output pixels, one lane per output pixel.
    struct Window {
        var topLeft, topRight, bottomLeft, bottomRight: SIMD16<Float>
    }

    /// `y[N·C, P, Q]` from `x[N·C, H, W]`, `planes = N·C`.
    func forward<Reduction: TwoByTwoReduction>(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, planes: Int,
                                               _: Reduction.Type, parameter: Float) {
        let width = geometry.output.width
        for plane in 0 ..< planes {
            let x = x + plane &* geometry.inputPlane, y = y + plane &* geometry.outputPlane
            forEachRowBlock(room: room(plane: plane, of: planes)) { p, q0, count in
                VectorLanes.store(Reduction.output(of: window(x, p: p, q0: q0, count: count), parameter), y + (p &* width &+ q0), count: count)
            }
        }
    }

    /// `dx[N·C, H, W]`, every input pixel written (those of a last odd row or column, which no
    /// window covers, with 0).
    func backward<Reduction: TwoByTwoReduction>(x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                                dx: UnsafeMutablePointer<Float>, planes: Int, _: Reduction.Type, parameter: Float) {
        let input = geometry.input, width = geometry.output.width
        if input.height % 2 != 0 || input.width % 2 != 0 { dx.update(repeating: 0, count: planes &* geometry.inputPlane) }
        for plane in 0 ..< planes {
            let inputOffset = plane &* geometry.inputPlane, outputOffset = plane &* geometry.outputPlane
            let x = x + inputOffset, y = y + outputOffset, dy = dy + outputOffset, dx = dx + inputOffset
            forEachRowBlock(room: room(plane: plane, of: planes)) { p, q0, count in
                let o = p &* width &+ q0
                let d = Reduction.gradients(of: window(x, p: p, q0: q0, count: count), y: VectorLanes.load(y + o, count: count),
                                            dy: VectorLanes.load(dy + o, count: count), parameter)
                let top = dx + (2 &* p &* input.width &+ 2 &* q0), bottom = top + input.width
                let columns = 2 &* count
                VectorLanes.store(VectorLanes.zipLow(d.topLeft, d.topRight), top, count: min(16, columns))
                VectorLanes.store(VectorLanes.zipHigh(d.topLeft, d.topRight), top + 16, count: max(0, columns &- 16))
                VectorLanes.store(VectorLanes.zipLow(d.bottomLeft, d.bottomRight), bottom, count: min(16, columns))
                VectorLanes.store(VectorLanes.zipHigh(d.bottomLeft, d.bottomRight), bottom + 16, count: max(0, columns &- 16))
            }
        }
    }

    /// The windows of output pixels `(p, q0 ..< q0 + count)` of one plane (zeros past `count`).
    @inline(__always)
    private func window(_ x: UnsafePointer<Float>, p: Int, q0: Int, count: Int) -> Window {
        let width = geometry.input.width
        let top = x + (2 &* p &* width &+ 2 &* q0), bottom = top + width
        let columns = 2 &* count
        let (topLeft, topRight) = VectorLanes.deinterleave(VectorLanes.load(top, count: min(16, columns)),
                                                           VectorLanes.load(top + 16, count: max(0, columns &- 16)))
        let (bottomLeft, bottomRight) = VectorLanes.deinterleave(VectorLanes.load(bottom, count: min(16, columns)),
                                                                 VectorLanes.load(bottom + 16, count: max(0, columns &- 16)))
        return Window(topLeft: topLeft, topRight: topRight, bottomLeft: bottomLeft, bottomRight: bottomRight)
    }

    /// Floats from the start of `plane` to the end of the input and output tensors.
    private func room(plane: Int, of planes: Int) -> (input: Int, output: Int) {
        ((planes &- plane) &* geometry.inputPlane, (planes &- plane) &* geometry.outputPlane)
    }

    /// Whether output row `p` of a plane may be computed with one whole vector that spills into
    /// the rows after it: only on even-sized planes (an odd one has a last row or column no
    /// window covers, which a spill would leave dirty), rows of at most 16 outputs (with more,
    /// the top row's spill from a later vector would land on the bottom row's earlier one), and
    /// only where the spill stays inside the tensors (`room` floats from the plane's start on).
    @inline(__always)
    private func rowSpills(_ p: Int, room: (input: Int, output: Int)) -> Bool {
        let input = geometry.input
        return input.height % 2 == 0 && input.width % 2 == 0 && geometry.output.width <= 16
            && (2 &* p &+ 1) &* input.width &+ 32 <= room.input && p &* geometry.output.width &+ 16 <= room.output
    }

    /// Calls `body(p, q0, count)` for the output pixels `(p, q0 ..< q0 + count)` of a plane, 16
    /// at a time, row by row; `count` is 16 wherever the row may spill (`rowSpills`), else the
    /// pixels left in the row.
    @inline(__always)
    private func forEachRowBlock(room: (input: Int, output: Int), _ body: (_ p: Int, _ q0: Int, _ count: Int) -> Void) {
        let out = geometry.output
        for p in 0 ..< out.height {
            let whole = rowSpills(p, room: room)
            var q0 = 0
            while q0 < out.width {
                body(p, q0, whole ? 16 : min(16, out.width &- q0))
                q0 &+= 16
            }
        }
    }
}
