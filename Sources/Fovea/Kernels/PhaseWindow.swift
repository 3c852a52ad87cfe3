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
    /// Rows and columns of one phase plane: `⌈(H + top + bottom) / S⌉`, `⌈(W + left + right) / S⌉`.
    let phaseHeight: Int, phaseWidth: Int

    init(geometry g: ConvolutionGeometry) {
        self.g = g
        phaseHeight = (g.height + g.paddingTop + g.paddingBottom + g.stride - 1) / g.stride
        phaseWidth = (g.width + g.paddingLeft + g.paddingRight + g.stride - 1) / g.stride
    }

    var phasePlane: Int { phaseHeight * phaseWidth }
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
        ((paddedRow % g.stride) &* g.stride &+ paddedColumn % g.stride) &* phasePlane
            &+ (paddedRow / g.stride) &* phaseWidth &+ paddedColumn / g.stride
    }

    /// Fills `window` (`sampleStride` floats) from `image[C, H, W]`: the image's pixels in their
    /// phases, zeros everywhere else.
    func fill(from image: UnsafePointer<Float>, into window: UnsafeMutablePointer<Float>) {
        window.update(repeating: 0, count: sampleStride)
        if g.stride == 1 {
            for c in 0 ..< g.inputChannels {
                for h in 0 ..< g.height {
                    VectorLanes.copy(image + (c * g.height + h) * g.width, to: window + c * channelStride + position(h + g.paddingTop, g.paddingLeft),
                                     count: g.width)
                }
            }
            return
        }
        for c in 0 ..< g.inputChannels {
            let channel = window + c * channelStride
            for h in 0 ..< g.height {
                let row = image + (c * g.height + h) * g.width
                // The columns of one phase are consecutive in the window: a strided read each.
                for phase in 0 ..< min(g.stride, g.width) {
                    let first = phase, start = position(h + g.paddingTop, first + g.paddingLeft)
                    var w = first, u = 0
                    while w < g.width {
                        channel[start &+ u] = row[w]
                        w &+= g.stride
                        u &+= 1
                    }
                }
            }
        }
    }

    /// Copies the image's pixels out of `window` into `image[C, H, W]` (overwritten); the
    /// window's padding is dropped.
    func extract(_ window: UnsafePointer<Float>, into image: UnsafeMutablePointer<Float>) {
        for c in 0 ..< g.inputChannels {
            let channel = window + c * channelStride
            for h in 0 ..< g.height {
                let row = image + (c * g.height + h) * g.width
                if g.stride == 1 {
                    VectorLanes.copy(channel + position(h + g.paddingTop, g.paddingLeft), to: row, count: g.width)
                    continue
                }
                for phase in 0 ..< min(g.stride, g.width) {
                    let start = position(h + g.paddingTop, phase + g.paddingLeft)
                    var w = phase, u = 0
                    while w < g.width {
                        row[w] = channel[start &+ u]
                        w &+= g.stride
                        u &+= 1
                    }
                }
            }
        }
    }
}

/// Copies `count` floats, short runs included, with vector moves where they fit (nothing past
/// `count` is read or written).
@inline(__always)
func copyRun(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i &+ 16 <= count {
        VectorLanes.store(VectorLanes.load(src + i), dst + i)
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

/// `dst[i] += src[i]` for `count` floats, each one addition (the same bits as a scalar loop),
/// with vector moves where they fit.
@inline(__always)
func addRun(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i &+ 16 <= count {
        VectorLanes.store(VectorLanes.load(dst + i) + VectorLanes.load(src + i), dst + i)
        i &+= 16
    }
    if i &+ 8 <= count {
        let s = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        let d = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: d + s, as: SIMD8<Float>.self)
        i &+= 8
    }
    if i &+ 4 <= count {
        let s = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD4<Float>.self)
        let d = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD4<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: d + s, as: SIMD4<Float>.self)
        i &+= 4
    }
    while i < count {
        dst[i] += src[i]
        i &+= 1
    }
}

/// A position among the output pixels of a group of samples, `j = n·P·Q + p·Q + q`, stepped
/// run by run (one output row at a time) without divisions.
struct PixelRunCursor {
    var n: Int, p: Int, q: Int

    @inline(__always)
    init(column j: Int, geometry g: ConvolutionGeometry) {
        n = j / g.outputPixels
        let pixel = j % g.outputPixels
        p = pixel / g.outputWidth
        q = pixel % g.outputWidth
    }

    /// Moves past `run` pixels of the current output row (`run ≤ Q − q`).
    @inline(__always)
    mutating func advance(_ run: Int, _ g: ConvolutionGeometry) {
        q &+= run
        if q == g.outputWidth {
            q = 0
            p &+= 1
            if p == g.outputHeight { p = 0; n &+= 1 }
        }
    }
}

/// The im2col matrices of a group of samples side by side, `col[C·R·S, G·P·Q]` (column
/// `n·P·Q + p·Q + q`), as a GEMM B operand packed from their phase windows. Used by the forward
/// pass, `y[K, G·PQ] = w[K, CRS] · col`.
struct PhaseWindowPanels: GEMMPanelSource {
    let windows: UnsafePointer<Float>
    let shape: PhaseWindow

    @inline(__always)
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let nr = GEMM.nr, g = shape.g, stride = shape.sampleStride, pitch = shape.phaseWidth
        let valid = min(nr, columns - j0)
        let start = PixelRunCursor(column: j0, geometry: g)
        var row = PatchCursor(row: k0, geometry: g)
        for kk in 0 ..< kc {
            let dst = panel + kk &* nr
            let base = windows + shape.offset(row)
            var at = start, t = 0
            while t < valid {
                let run = min(g.outputWidth &- at.q, valid &- t)
                let position = at.n &* stride &+ at.p &* pitch &+ at.q
                copyRun(base + position, to: dst + t, count: run)
                t &+= run
                at.advance(run, g)
            }
            if valid < nr { (dst + valid).update(repeating: 0, count: nr &- valid) }
            row.advance(g)
        }
    }
}

/// The same matrix `col[C·R·S, G·P·Q]` as a GEMM A operand, for the kernel gradient in
/// transposed form, `dWᵀ[CRS, K] = col · dyᵀ[G·PQ, K]`: each strip row is runs of one window.
struct PhaseWindowRows: GEMMStripSource {
    let windows: UnsafePointer<Float>
    let shape: PhaseWindow

    @inline(__always)
    func packStrip(i0: Int, rows: Int, k0: Int, kc: Int, into strip: UnsafeMutablePointer<Float>) {
        let mr = GEMM.mr, g = shape.g, stride = shape.sampleStride, pitch = shape.phaseWidth
        let start = PixelRunCursor(column: k0, geometry: g)
        var row = PatchCursor(row: i0, geometry: g)
        for i in 0 ..< rows {
            let base = windows + shape.offset(row)
            var at = start, t = 0
            while t < kc {
                let run = min(g.outputWidth &- at.q, kc &- t)
                let position = at.n &* stride &+ at.p &* pitch &+ at.q
                let src = base + position
                let dst = strip + (t &* mr &+ i)
                for u in 0 ..< run { dst[u &* mr] = src[u] }
                t &+= run
                at.advance(run, g)
            }
            row.advance(g)
        }
    }
}

/// A group of samples' `[K, P·Q]` planes side by side as one matrix `[K, G·P·Q]` (column
/// `n·P·Q + pq` is `planes[n·K·PQ + k·PQ + pq]`), as a GEMM B operand. Used by the input
/// gradient, `dCol[CRS, G·PQ] = wᵀ[CRS, K] · dy`.
struct SampleColumnsPanels: GEMMPanelSource {
    let planes: UnsafePointer<Float>
    let channels: Int, pixels: Int

    @inline(__always)
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let nr = GEMM.nr, sample = channels &* pixels
        let valid = min(nr, columns - j0)
        let n0 = j0 / pixels, pq0 = j0 % pixels
        for kk in 0 ..< kc {
            let dst = panel + kk &* nr
            var n = n0, pq = pq0, t = 0
            while t < valid {
                let run = min(pixels &- pq, valid &- t)
                let position = n &* sample &+ (k0 &+ kk) &* pixels &+ pq
                copyRun(planes + position, to: dst + t, count: run)
                t &+= run
                pq = 0
                n &+= 1
            }
            if valid < nr { (dst + valid).update(repeating: 0, count: nr &- valid) }
        }
    }
}

/// The transpose of that matrix, `[G·P·Q, K]` (row `n·PQ + pq`, column `k`), as a GEMM B
/// operand: `dyᵀ` of the kernel gradient.
struct SampleRowsPanels: GEMMPanelSource {
    let planes: UnsafePointer<Float>
    let channels: Int, pixels: Int

    @inline(__always)
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let nr = GEMM.nr, sample = channels &* pixels
        let valid = min(nr, columns - j0)
        var n = k0 / pixels, pq = k0 % pixels
        for kk in 0 ..< kc {
            let dst = panel + kk &* nr
            let position = n &* sample &+ j0 &* pixels &+ pq
            let src = planes + position
            for jj in 0 ..< valid { dst[jj] = src[jj &* pixels] }
            if valid < nr { (dst + valid).update(repeating: 0, count: nr &- valid) }
            pq &+= 1
            if pq == pixels { pq = 0; n &+= 1 }
        }
    }
}
