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

    /// Where padded pixel `(h′, w′)` of channel 0 lies in the window (stride 2 has its own
    /// row walk, `forEachRowStrideTwo`).
    @inline(__always)
    private func position(_ paddedRow: Int, _ paddedColumn: Int) -> Int {
        if g.stride == 1 { return paddedRow &* phaseWidth &+ paddedColumn }
        return ((paddedRow % g.stride) &* g.stride &+ paddedColumn % g.stride) &* phasePlane
            &+ (paddedRow / g.stride) &* phaseWidth &+ paddedColumn / g.stride
    }

    /// Fills `window` (`sampleStride` floats) from `image[C, H, W]`: the image's pixels in their
    /// phases, zeros everywhere else.
    func fill(from image: UnsafePointer<Float>, into window: UnsafeMutablePointer<Float>) {
        fillFloats(window, with: 0, count: sampleStride)
        if g.stride == 2 {
            fillStrideTwo(from: image, into: window)
            return
        }
        for c in 0 ..< g.inputChannels {
            let channel = window + c * channelStride
            for h in 0 ..< g.height {
                let row = image + (c * g.height + h) * g.width, paddedRow = h + g.paddingTop
                if g.stride == 1 {
                    VectorLanes.copy(row, to: channel + position(paddedRow, g.paddingLeft), count: g.width)
                    continue
                }
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

    /// Stride 2: calls `body(imageOffset, windowOffset)` for every image row in order, with
    /// where the row starts in the image and where its padded row's phase-row pair starts in the
    /// window. Column `w` of a row lands in its even or odd phase column: at `evenColumn + w / 2`
    /// (even `w`) or `oddColumn + (w − 1) / 2` (odd `w`) from the pair's start.
    @inline(__always)
    private func forEachRowStrideTwo(_ body: (_ imageOffset: Int, _ windowOffset: Int) -> Void) {
        var imageOffset = 0
        for c in 0 ..< g.inputChannels {
            for h in 0 ..< g.height {
                let paddedRow = h &+ g.paddingTop
                let phaseRow: Int = (paddedRow & 1) &* 2 &* phasePlane, rowInPhase: Int = (paddedRow >> 1) &* phaseWidth
                body(imageOffset, c &* channelStride &+ phaseRow &+ rowInPhase)
                imageOffset &+= g.width
            }
        }
    }

    /// See `forEachRowStrideTwo`.
    private var evenColumn: Int { (g.paddingLeft & 1) &* phasePlane &+ g.paddingLeft >> 1 }
    private var oddColumn: Int { ((g.paddingLeft &+ 1) & 1) &* phasePlane &+ (g.paddingLeft &+ 1) >> 1 }
    /// The start of a row's last chunk of 16 columns, and its valid lanes.
    private var lastChunk: Int { (g.width &- 1) / 16 &* 16 }
    private var lastChunkMask: SIMDMask<SIMD16<Int32>> {
        PhaseWindow.lanes .< SIMD16<Float>(repeating: Float(g.width &- lastChunk))
    }

    /// `fill` for stride 2: each image row 16 columns at a time, split into its even and odd
    /// lanes, each stored as a whole vector of 8. The lanes past the image are zeros and land on
    /// padding columns of the same phase row (`phaseWidth` leaves room for them). The window must
    /// be zero already.
    private func fillStrideTwo(from image: UnsafePointer<Float>, into window: UnsafeMutablePointer<Float>) {
        let lastChunk = lastChunk, lastMask = lastChunkMask, evenColumn = evenColumn, oddColumn = oddColumn
        // A row's last chunk is read whole where 16 floats from it stay inside the image.
        let wholeLastChunks = g.inputCount &- 16 &- lastChunk
        forEachRowStrideTwo { imageOffset, windowOffset in
            let row = image + imageOffset, target = window + windowOffset
            @inline(__always) func store(_ v: SIMD16<Float>, chunk w: Int) {
                let even = SIMD8(v[0], v[2], v[4], v[6], v[8], v[10], v[12], v[14])
                let odd = SIMD8(v[1], v[3], v[5], v[7], v[9], v[11], v[13], v[15])
                UnsafeMutableRawPointer(target + (evenColumn &+ w >> 1)).storeBytes(of: even, as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(target + (oddColumn &+ w >> 1)).storeBytes(of: odd, as: SIMD8<Float>.self)
            }
            var w = 0
            while w < lastChunk {
                store(VectorLanes.load(row + w), chunk: w)
                w &+= 16
            }
            store(imageOffset <= wholeLastChunks
                  ? VectorLanes.load(row + lastChunk).replacing(with: 0, where: .!lastMask)
                  : VectorLanes.load(row + lastChunk, count: g.width &- lastChunk), chunk: lastChunk)
        }
    }

    /// `extract` for stride 2: each image row 16 columns at a time, interleaved from vectors of
    /// 8 of its even and odd phase columns. Whole vectors are read (the window must be readable
    /// 16 floats past its end) and stored where they stay inside the image: a store past a row's
    /// end lands on a later row, written after it.
    private func extractStrideTwo(_ window: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        let lastChunk = lastChunk, evenColumn = evenColumn, oddColumn = oddColumn
        let wholeLastChunks = g.inputCount &- 16 &- lastChunk
        forEachRowStrideTwo { imageOffset, windowOffset in
            let row = image + imageOffset, source = window + windowOffset
            @inline(__always) func load(chunk w: Int) -> SIMD16<Float> {
                VectorLanes.zipLow(VectorLanes.load(source + (evenColumn &+ w >> 1)), VectorLanes.load(source + (oddColumn &+ w >> 1)))
            }
            var w = 0
            while w < lastChunk {
                VectorLanes.store(load(chunk: w), row + w)
                w &+= 16
            }
            if imageOffset <= wholeLastChunks {
                VectorLanes.store(load(chunk: lastChunk), row + lastChunk)
            } else {
                VectorLanes.store(load(chunk: lastChunk), row + lastChunk, count: g.width &- lastChunk)
            }
        }
    }

    /// Copies the image's pixels out of `window` into `image[C, H, W]` (overwritten); the
    /// window's padding is dropped. For stride 2 the window must be readable 16 floats past its
    /// end (it is, in `Im2ColConvolution`'s scratch: the im2col matrix follows the windows).
    func extract(_ window: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        if g.stride == 2 {
            extractStrideTwo(window, into: image)
            return
        }
        for c in 0 ..< g.inputChannels {
            let channel = window + c * channelStride
            for h in 0 ..< g.height {
                let row = image + (c * g.height + h) * g.width, paddedRow = h + g.paddingTop
                if g.stride == 1 {
                    VectorLanes.copy(channel + position(paddedRow, g.paddingLeft), to: row, count: g.width)
                    continue
                }
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
