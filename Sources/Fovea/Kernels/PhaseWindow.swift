// Kernel legend (one sample): x[C, H, W] read by a convolution of stride S, dilation D and
// padding (top, left, …) through its im2col matrix col[(c, r, s), (p, q)] =
// x[c, p·S + r·D − top, q·S + s·D − left] (ConvolutionGeometry.swift).
//
// The phase window is the zero-padded image split into its S × S phases (space to depth):
// padded pixel (h′, w′) = (h + top, w + left) goes to phase (h′ mod S, w′ mod S), at row h′ div S
// and column w′ div S of that phase's Uh × Uw plane. Then the im2col row (c, r, s) at output
// pixel (p, q) is
//
//   window[offset(c, r, s) + p·Uw + q],  offset = c·S²·Uh·Uw + ((r·D mod S)·S + s·D mod S)·Uh·Uw
//                                                 + (r·D div S)·Uw + s·D div S
//
// so each output row of each im2col row is Q consecutive floats: the GEMM operands are packed
// with vector copies instead of a strided, bounds-checked gather, and col2im adds runs of Q
// floats. Reads of the padding read the window's zeros. For S = 1 the window is just the padded
// image.

/// The phase window of a convolution's input (see the legend above): `[C, S·S, Uh, Uw]` floats
/// per sample, `sampleStride` apart.
struct PhaseWindow {
    let g: ConvolutionGeometry
    /// Rows and columns of one phase plane: `⌈(H + top + bottom) / S⌉`, `⌈(W + left + right) / S⌉`
    /// (for stride 2, more columns where needed so that `fill` can store whole vectors of 8 from
    /// its last 16 image columns: the extra columns are zero padding).
    let phaseHeight: Int, phaseWidth: Int

    init(geometry g: ConvolutionGeometry) {
        self.g = g
        phaseHeight = (g.height + g.paddingTop + g.paddingBottom + g.stride - 1) / g.stride
        let columns = (g.width + g.paddingLeft + g.paddingRight + g.stride - 1) / g.stride
        if g.stride == 2 {
            let lastChunk = (g.width - 1) / 16 * 16
            phaseWidth = max(columns, (lastChunk + g.paddingLeft + 1) / 2 + 8)
        } else {
            phaseWidth = columns
        }
    }

    var phasePlane: Int { phaseHeight * phaseWidth }
    /// 0, 1, …, 15 (a Float comparison is one instruction; the generic integer one a loop).
    static let lanes = SIMD16<Float>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    var channelStride: Int { g.stride * g.stride * phasePlane }
    /// Floats of one sample's window (aligned, so that every sample's starts on 64 bytes).
    var sampleStride: Int { alignedFloatCount(g.inputChannels * channelStride) }

    /// Where im2col row `(c, r, s)` reads the window, at output pixel (0, 0).
    @inline(__always)
    func offset(_ row: PatchCursor) -> Int {
        let dr = row.r &* g.dilation, ds = row.s &* g.dilation
        let phase = (dr % g.stride) &* g.stride &+ ds % g.stride
        return row.c &* channelStride &+ phase &* phasePlane &+ (dr / g.stride) &* phaseWidth &+ ds / g.stride
    }

    /// Where padded pixel `(h′, w′)` of channel 0 lies in the window.
    @inline(__always)
    private func position(_ paddedRow: Int, _ paddedColumn: Int) -> Int {
        switch g.stride {
        case 1:
            return paddedRow &* phaseWidth &+ paddedColumn
        case 2:
            return ((paddedRow & 1) &* 2 &+ paddedColumn & 1) &* phasePlane &+ (paddedRow >> 1) &* phaseWidth &+ paddedColumn >> 1
        default:
            return ((paddedRow % g.stride) &* g.stride &+ paddedColumn % g.stride) &* phasePlane
                &+ (paddedRow / g.stride) &* phaseWidth &+ paddedColumn / g.stride
        }
    }

    /// Fills `window` (`sampleStride` floats) from `image[C, H, W]`: the image's pixels in their
    /// phases, zeros everywhere else.
    func fill(from image: UnsafePointer<Float>, into window: UnsafeMutablePointer<Float>) {
        fillFloats(window, with: 0, count: sampleStride)
        for c in 0 ..< g.inputChannels {
            let channel = window + c * channelStride
            for h in 0 ..< g.height {
                let row = image + (c * g.height + h) * g.width, paddedRow = h + g.paddingTop
                switch g.stride {
                case 1:
                    VectorLanes.copy(row, to: channel + position(paddedRow, g.paddingLeft), count: g.width)
                case 2:
                    // 16 columns at a time, split into their even and odd lanes, each stored as a
                    // whole vector of 8: the lanes past the image are zeros, and land on padding
                    // columns of the same phase row (`phaseWidth` leaves room for them).
                    var w = 0
                    while w < g.width {
                        let count = min(16, g.width &- w)
                        // A whole vector where the image goes on for 16 floats.
                        var v = (c * g.height + h) * g.width + w + 16 <= g.inputCount
                            ? VectorLanes.load(row + w) : VectorLanes.load(row + w, count: count)
                        if count < 16 {
                            v.replace(with: 0, where: PhaseWindow.lanes .>= SIMD16<Float>(repeating: Float(count)))
                        }
                        let even = SIMD8(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14])
                        let odd = SIMD8(v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15])
                        UnsafeMutableRawPointer(channel + position(paddedRow, w &+ g.paddingLeft)).storeBytes(of: even, as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(channel + position(paddedRow, w &+ 1 &+ g.paddingLeft)).storeBytes(of: odd, as: SIMD8<Float>.self)
                        w &+= 16
                    }
                default:
                    // The columns of one phase are consecutive in the window: a strided read each.
                    for phase in 0 ..< min(g.stride, g.width) {
                        let start = channel + position(paddedRow, phase + g.paddingLeft)
                        var w = phase, u = 0
                        while w < g.width {
                            start[u] = row[w]
                            w &+= g.stride
                            u &+= 1
                        }
                    }
                }
            }
        }
    }

    /// Copies the image's pixels out of `window` into `image[C, H, W]` (overwritten); the
    /// window's padding is dropped. For stride 2 the window must be readable 16 floats past its
    /// end (it is, in `Im2ColConvolution`'s scratch: the im2col matrix follows the windows).
    func extract(_ window: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        for c in 0 ..< g.inputChannels {
            let channel = window + c * channelStride
            for h in 0 ..< g.height {
                let row = image + (c * g.height + h) * g.width, paddedRow = h + g.paddingTop
                switch g.stride {
                case 1:
                    VectorLanes.copy(channel + position(paddedRow, g.paddingLeft), to: row, count: g.width)
                case 2:
                    // 16 columns at a time, interleaved from their even and odd phases.
                    var w = 0
                    while w < g.width {
                        let count = min(16, g.width &- w)
                        // Whole vectors: the window is followed by more scratch (see `extract`), and
                        // a store past this row's end lands on a later row of the same sample,
                        // written after it.
                        let even = VectorLanes.load(channel + position(paddedRow, w &+ g.paddingLeft))
                        let odd = VectorLanes.load(channel + position(paddedRow, w &+ 1 &+ g.paddingLeft))
                        let interleaved = VectorLanes.zipLow(even, odd)
                        if (c * g.height + h) * g.width + w + 16 <= g.inputCount {
                            VectorLanes.store(interleaved, row + w)
                        } else {
                            VectorLanes.store(interleaved, row + w, count: count)
                        }
                        w &+= 16
                    }
                default:
                    for phase in 0 ..< min(g.stride, g.width) {
                        let start = channel + position(paddedRow, phase + g.paddingLeft)
                        var w = phase, u = 0
                        while w < g.width {
                            row[w] = start[u]
                            w &+= g.stride
                            u &+= 1
                        }
                    }
                }
            }
        }
    }

    /// The im2col matrix of `samples` windows, `col[C·R·S, samples·P·Q]`, written row-major with
    /// `ldc` floats per row: runs of Q copied from the windows in whole vectors of 8. A run's
    /// last vector may spill up to 7 floats past it (read from the window's next floats, or from
    /// the 16 readable floats after the last window); every spill lands on a later run of col,
    /// written after it, or in up to 7 floats after col, which must be writable scratch.
    func im2col(_ windows: UnsafePointer<Float>, samples: Int, into col: UnsafeMutablePointer<Float>, ldc: Int) {
        var row = PatchCursor(row: 0, geometry: g)
        let width = g.outputWidth
        for i in 0 ..< g.patchSize {
            let base = windows + offset(row)
            for n in 0 ..< samples {
                let dst = col + (i * ldc + n * g.outputPixels), src = base + n * sampleStride
                for p in 0 ..< g.outputHeight {
                    let from = src + p &* phaseWidth, to = dst + p &* width
                    var q = 0
                    while q < width {
                        UnsafeMutableRawPointer(to + q).storeBytes(of: UnsafeRawPointer(from + q).loadUnaligned(as: SIMD8<Float>.self),
                                                                   as: SIMD8<Float>.self)
                        q &+= 8
                    }
                }
            }
            row.advance(g)
        }
    }
}
