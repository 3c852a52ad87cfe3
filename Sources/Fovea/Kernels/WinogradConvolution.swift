// Kernel legend (one sample): x[C, H, W] → y[K, P, Q] by a 3 × 3, stride-1 cross-correlation
// with zero padding and taps D apart (dilation D ≥ 1), computed as Winograd F(m×m, 3×3), m = 2
// or 4 (WinogradTransforms2x2.swift, WinogradTransforms4x4.swift). The output is cut into
// T = D²·⌈⌈P/D⌉/m⌉·⌈⌈Q/D⌉/m⌉ tiles of m × m pixels D apart: tile t = (a, b, i, j), of output
// phase (a, b) (rows ≡ a, columns ≡ b mod D), covers output rows a + D·(m·i + u), u < m, and
// reads the α × α input window (α = m + 2) at padded rows a + D·(m·i + v), v < α, columns
// likewise. (For D = 1 this is the plain tiling; for D > 1 it is the polyphase split of an
// atrous convolution, with the tiles of all D² phases in one GEMM.) With the α² planes ξ:
//
//   forward   V_ξ[T, C] = input tiles transformed     Mᵀ_ξ[T, K] = V_ξ · U_ξ[C, K]    y = Aᵀ M A
//   backward  dMᵀ_ξ[T, K] from dy                     dU_ξ[C, K] += V_ξᵀ · dMᵀ_ξ
//             dV_ξ[T, C] = dMᵀ_ξ · U_ξᵀ[K, C]         dx += B dV Bᵀ over the overlapping windows
//
// α² small GEMMs per pass and group of G samples (their tiles stacked as the GEMM's rows, so
// that small images fill the 12-row strips: zoo's and vgg-bn's 14 × 14 images have T = 16,
// G = 3, 48 rows): 2.25× (m = 2) or 4× (m = 4) fewer multiply-adds than im2col's one. Channels
// are the innermost axis of every buffer (padded to a multiple of 32 with zeros), so each
// transform is a handful of `SIMD16<Float>` adds per tile.

/// The Winograd path of a 3 × 3, stride-1 convolution (any dilation): buffer layout and the
/// three passes over one shard. Used by `Conv2D` when `ConvolutionGeometry.preferredWinogradTile`
/// is set.
///
/// Scratch layout (floats), all channel-innermost:
/// - `xT [Hp, Wp, Cp]`: the zero-padded input (`Hp = D·(m·⌈⌈P/D⌉/m⌉ + 2)`, `Wp` likewise, `Cp`
///   = C rounded up to 32); in the backward pass, then the input gradient `dxT`
/// - `V [α² + 1, Tp, Cp]`: transformed input tiles of a group, sample by sample (`Tp` = G·T
///   rounded up to 12), planes `Tp·Cp + 16` floats apart (`inputPlaneStride`); backward: `dV`
/// - `M [α² + 1, Tp, Kp]`: transformed products, likewise; backward: `dM`
/// - `yT [D·m·⌈⌈P/D⌉/m⌉, D·m·⌈⌈Q/D⌉/m⌉, Kp]`: the output tiles, channel-innermost; backward: `dyT`
/// - `U [α², C, Kp]` (forward) or `Uᵀ [α², K, Cp]` (backward), in one region: the transformed
///   kernels, the B operands
/// - `dU [α², C, Kp]`: kernel gradient in the transformed domain, summed over the shard (depth
///   sample by sample, tile by tile, whatever G: the same chain of multiply-adds as one sample
///   at a time, so G changes no bit of any result)
/// - `temp [36, 16]`: the F(4×4) transforms' intermediate tile
struct WinogradConvolution {
    let g: ConvolutionGeometry
    /// Output tile side m (2 or 4), input tile side α = m + 2, and α² transformed planes.
    let tileSize: Int, alpha: Int, planes: Int
    /// The kernel's dilation D: a tile's pixels and taps are D apart, and there are D² phases.
    let dilation: Int
    /// Tiles of one phase down and across.
    let tilesHigh: Int, tilesWide: Int
    /// Tiles per sample (all phases).
    let tiles: Int
    /// Samples whose tiles share one GEMM (1 to 4: more than one only where one sample's tiles
    /// would leave over 1/16 of the rows empty, then the fewest wasted), and their G·T tiles
    /// rounded up to the GEMM's 12 rows.
    let groupSamples: Int, paddedTiles: Int
    /// Rows and columns of the zero-padded input window.
    let paddedHeight: Int, paddedWidth: Int
    /// Rows and columns of the output tiles' window (at least P and Q).
    let outputWindowHeight: Int, outputWindowWidth: Int
    /// Input and output channels rounded up to 32 (the GEMM's panel width).
    let inputLanes: Int, outputLanes: Int

    init(geometry g: ConvolutionGeometry, tileSize: Int) {
        precondition(g.kernelHeight == 3 && g.kernelWidth == 3 && g.stride == 1, "Winograd F(m×m, 3×3) needs a 3 × 3 kernel, stride 1")
        precondition(tileSize == 2 || tileSize == 4, "Winograd tiles are 2 × 2 or 4 × 4")
        self.g = g
        self.tileSize = tileSize
        alpha = tileSize + 2
        planes = alpha * alpha
        let d = g.dilation
        dilation = d
        // A phase has at most ⌈P/D⌉ output rows (phase 0; the others as many or one fewer).
        tilesHigh = ((g.outputHeight + d - 1) / d + tileSize - 1) / tileSize
        tilesWide = ((g.outputWidth + d - 1) / d + tileSize - 1) / tileSize
        let tiles = d * d * tilesHigh * tilesWide
        self.tiles = tiles
        func roundedRows(_ samples: Int) -> Int { (samples * tiles + GEMM.mr - 1) / GEMM.mr * GEMM.mr }
        // One sample where its partial strip wastes little (a large image: grouping would only
        // multiply V's and M's memory); else the least waste (rows past G·T over G·T), the fewer
        // samples on a tie, cross-multiplied.
        let group = 16 * (roundedRows(1) - tiles) <= tiles ? 1 : (1 ... 4).min { a, b in
            let wasteA = (roundedRows(a) - a * tiles) * b, wasteB = (roundedRows(b) - b * tiles) * a
            return wasteA != wasteB ? wasteA < wasteB : a < b
        } ?? 1
        groupSamples = group
        paddedTiles = roundedRows(group)
        // Tile (a, ·, i, ·) reads padded rows up to a + D·(m·i + α − 1) ≤ D·(m·tilesHigh + 2) − 1.
        paddedHeight = d * (tileSize * tilesHigh + 2)
        paddedWidth = d * (tileSize * tilesWide + 2)
        outputWindowHeight = d * tileSize * tilesHigh
        outputWindowWidth = d * tileSize * tilesWide
        inputLanes = (g.inputChannels + GEMM.nr - 1) / GEMM.nr * GEMM.nr
        outputLanes = (g.outputChannels + GEMM.nr - 1) / GEMM.nr * GEMM.nr
    }

    /// The input image inside the zero-padded window `xT`.
    private var inputGrid: PixelGrid {
        PixelGrid(height: g.height, width: g.width, origin: (g.padding * paddedWidth + g.padding) * inputLanes,
                  rowStride: paddedWidth * inputLanes, pixelStride: inputLanes)
    }
    /// The output image inside the tiles' window `yT`.
    private var outputGrid: PixelGrid {
        PixelGrid(height: g.outputHeight, width: g.outputWidth, origin: 0,
                  rowStride: outputWindowWidth * outputLanes, pixelStride: outputLanes)
    }
    /// Whether `xT` has entries the input does not fill: zero padding, a row or column past
    /// an odd output, or channel lanes past the input's (rounded up to 16).
    private var windowHasBorder: Bool {
        g.padding > 0 || paddedHeight > g.height || paddedWidth > g.width || (g.inputChannels + 15) / 16 * 16 < inputLanes
    }
    /// Whether `dyT` has entries `dy` does not fill (an output size that is not a multiple of
    /// the tile, or padding lanes).
    private var outputWindowHasBorder: Bool {
        outputWindowHeight != g.outputHeight || outputWindowWidth != g.outputWidth || (g.outputChannels + 15) / 16 * 16 < outputLanes
    }

    /// Floats from one transformed plane of V (of M) to the next: the plane's `Tp · Cp` (`Tp ·
    /// Kp`) plus one cache line, so that a tile's α² stores, one per plane, do not all fall
    /// into one L1 set (`Tp · Cp` floats are often a multiple of 4 KiB: 48 tiles of 64 channels
    /// are 12 KiB). vgg-bn's layers on one thread: 2,880 → 3,259 samples/s (`fovea bench`, Zen 5).
    private var inputPlaneStride: Int { paddedTiles * inputLanes + 16 }
    private var outputPlaneStride: Int { paddedTiles * outputLanes + 16 }

    // Region sizes and offsets in the scratch buffer.
    private var windowCount: Int { alignedFloatCount(paddedHeight * paddedWidth * inputLanes) }
    /// One plane more than the α² planes: slack for the micro-kernel's reads past the last row.
    private var transformedInputCount: Int { alignedFloatCount((planes + 1) * inputPlaneStride) }
    private var productCount: Int { alignedFloatCount((planes + 1) * outputPlaneStride) }
    private var outputWindowCount: Int { alignedFloatCount(outputWindowHeight * outputWindowWidth * outputLanes) }
    private var kernelCount: Int { alignedFloatCount(planes * g.inputChannels * outputLanes + GEMM.nr) }
    private var kernelTransposedCount: Int { alignedFloatCount(planes * g.outputChannels * inputLanes + GEMM.nr) }
    private static let tempCount = 36 * 16

    /// Floats of scratch the passes need.
    var scratchCount: Int {
        windowCount + transformedInputCount + productCount + outputWindowCount + max(kernelCount, kernelTransposedCount) + kernelCount
            + WinogradConvolution.tempCount
    }

    private struct Buffers {
        let window, transformed, products, outputWindow, kernel, kernelTransposed, kernelGradient, temp: UnsafeMutablePointer<Float>
    }

    private func buffers(_ scratch: UnsafeMutablePointer<Float>) -> Buffers {
        let window = scratch
        let transformed = window + windowCount
        let products = transformed + transformedInputCount
        let outputWindow = products + productCount
        // U (forward) and Uᵀ (backward) are never needed in the same pass: one region.
        let kernel = outputWindow + outputWindowCount
        let kernelTransposed = kernel
        let kernelGradient = kernel + max(kernelCount, kernelTransposedCount)
        let temp = kernelGradient + kernelCount
        return Buffers(window: window, transformed: transformed, products: products, outputWindow: outputWindow, kernel: kernel,
                       kernelTransposed: kernelTransposed, kernelGradient: kernelGradient, temp: temp)
    }

    /// Calls `body(t, origin, lane)` for every tile `t` (phase by phase, each row-major) and
    /// every block of 16 channel lanes below `laneLimit`, where `origin` is the tile's first row
    /// and column in a window whose rows hold `width` pixels of `lanes` channels: tile
    /// (a, b, i, j) starts at row a + D·m·i, column b + D·m·j. Its pixels are D apart: D rows
    /// (`rowStep(width:lanes:)`) and D pixels (`pixelStep(lanes:)`).
    @inline(__always)
    private func forEachTile(width: Int, lanes: Int, laneLimit: Int, _ body: (_ tile: Int, _ origin: Int, _ lane: Int) -> Void) {
        let d = dilation, step = dilation * tileSize
        var t = 0
        for a in 0 ..< d {
            for b in 0 ..< d {
                for i in 0 ..< tilesHigh {
                    for j in 0 ..< tilesWide {
                        let origin = ((a + step * i) * width + b + step * j) * lanes
                        var lane = 0
                        while lane < laneLimit {
                            body(t, origin, lane)
                            lane += 16
                        }
                        t += 1
                    }
                }
            }
        }
    }

    /// Floats between a tile's adjacent rows in a window of `width` pixels of `lanes` channels.
    @inline(__always) private func rowStep(width: Int, lanes: Int) -> Int { dilation * width * lanes }
    /// Floats between a tile's adjacent pixels in a row.
    @inline(__always) private func pixelStep(lanes: Int) -> Int { dilation * lanes }

    // MARK: Forward

    /// `y[batch, K, P, Q] = conv(x[batch, C, H, W], weight[K, C, 3, 3]) + bias[K]`.
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                 scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        let b = buffers(scratch)
        transformKernels(weight, into: b.kernel)
        forEachChunk(of: batch, size: groupSamples) { n0, samples in
            for n in 0 ..< samples { transformInput(input + (n0 + n) * g.inputCount, row0: n * tiles, buffers: b) }
            multiplyPlanes(b, rows: samples * tiles, gemm: gemm)
            for n in 0 ..< samples { transformOutput(b, row0: n * tiles, bias: bias, into: output + (n0 + n) * g.outputCount) }
        }
    }

    /// `U_ξ[C, Kp]` of every kernel, padding columns zero: row `cc` of every plane, 16 kernels
    /// at a time (kernel k0 + l in lane l, its taps C·9 floats apart in `weight`).
    private func transformKernels(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let c = g.inputChannels, k = g.outputChannels
        transformKernelRows(weight, rows: c, rowStride: 9, lanesUsed: k, laneStride: c * 9, rowLength: outputLanes, into: u)
    }

    /// `Uᵀ_ξ[K, Cp]`: row `kk` of every plane, 16 input channels at a time (channel c0 + l in
    /// lane l, its taps 9 floats apart): the same arithmetic on the same taps as
    /// `transformKernels`, so Uᵀ is exactly U transposed. Only the backward pass reads it, and
    /// only it (not U), so the two share one region of scratch.
    private func transformKernelsTransposed(_ weight: UnsafePointer<Float>, into transposed: UnsafeMutablePointer<Float>) {
        let c = g.inputChannels, k = g.outputChannels
        transformKernelRows(weight, rows: k, rowStride: c * 9, lanesUsed: c, laneStride: 9, rowLength: inputLanes, into: transposed)
    }

    /// Writes the α² planes `[rows, rowLength]` (plane ξ at `target + ξ · rows · rowLength`):
    /// entry (row, j) for j < `lanesUsed` is plane ξ of the transformed 3 × 3 kernel whose taps
    /// start at `weight + row · rowStride + j · laneStride`; the columns past `lanesUsed` are
    /// zero. Sixteen columns at a time, one per lane, stored as whole vectors: one kernel at a
    /// time stored a scalar into each of the α² planes, which are a multiple of 4 KiB apart
    /// (one L1 set) for common sizes, and took 13–21 % of vgg-bn's layer time.
    private func transformKernelRows(_ weight: UnsafePointer<Float>, rows: Int, rowStride: Int, lanesUsed: Int, laneStride: Int,
                                     rowLength: Int, into target: UnsafeMutablePointer<Float>) {
        let planeStride = rows * rowLength
        // Columns no vector store reaches (the lanes past `lanesUsed` in its last block are
        // stored as zeros).
        let written = (lanesUsed + 15) / 16 * 16
        if written < rowLength {
            for r in 0 ..< planes * rows { (target + r * rowLength + written).update(repeating: 0, count: rowLength - written) }
        }
        for row in 0 ..< rows {
            forEachChunk(of: lanesUsed, size: 16) { j0, lanes in
                let w = weight + row * rowStride + j0 * laneStride
                @inline(__always) func tap(_ i: Int) -> SIMD16<Float> {
                    var v = SIMD16<Float>()
                    for l in 0 ..< lanes { v[l] = w[l &* laneStride &+ i] }
                    return v
                }
                let entries = target + row * rowLength + j0
                if tileSize == 2 {
                    WinogradKernelTransform.forward(tap, into: entries, stride: planeStride)
                } else {
                    Winograd4x4.kernelTiles(tap, into: entries, stride: planeStride)
                }
            }
        }
    }

    /// Copies sample `x[C, H, W]` into the channel-innermost window `xT` (zero border and
    /// padding channels), then writes `V_ξ[row0 + t, Cp]` for every tile.
    private func transformInput(_ x: UnsafePointer<Float>, row0: Int, buffers b: Buffers) {
        let window = b.window, lanes = inputLanes
        if windowHasBorder { window.update(repeating: 0, count: paddedHeight * paddedWidth * lanes) }
        Transpose.channelsToPixels(x, channelStride: g.height * g.width, channels: g.inputChannels,
                                   into: window, grid: inputGrid, fillLanes: true)
        let planeStride = inputPlaneStride
        let rows = rowStep(width: paddedWidth, lanes: lanes), pixels = pixelStep(lanes: lanes)
        forEachTile(width: paddedWidth, lanes: lanes, laneLimit: lanes) { t, origin, lane in
            let d = window + (origin + lane), v = b.transformed + ((row0 + t) * lanes + lane)
            if tileSize == 2 {
                WinogradTile(loading: d, rowStride: rows, columnStride: pixels)
                    .inputTransformed.store(planes: v, stride: planeStride)
            } else {
                Winograd4x4.inputTile(d, rowStride: rows, columnStride: pixels, into: v, planeStride: planeStride, temp: b.temp)
            }
        }
    }

    /// `Mᵀ_ξ[rows, K] = V_ξ[rows, C] · U_ξ[C, K]` for the α² planes (`rows` = the group's tiles).
    private func multiplyPlanes(_ b: Buffers, rows: Int, gemm: GEMMWorkspace) {
        let c = g.inputChannels
        for xi in 0 ..< planes {
            GEMM.multiply(
                inPlaceA: PaddedStrips(source: RowMajorOperand(base: b.transformed + xi * inputPlaneStride, rowStride: inputLanes)),
                b: PaddedRowMajorPanels(base: b.kernel + xi * c * outputLanes, rowStride: outputLanes),
                c: b.products + xi * outputPlaneStride, ldc: outputLanes,
                m: rows, n: g.outputChannels, k: c, accumulate: false, workspace: gemm)
        }
    }

    /// `y[K, P, Q] = Aᵀ M A + bias` for the tiles at rows `row0 …` of M, through the
    /// channel-innermost `yT` (pixels past P or Q dropped).
    private func transformOutput(_ b: Buffers, row0: Int, bias: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        let lanes = outputLanes, planeStride = outputPlaneStride
        let rows = rowStep(width: outputWindowWidth, lanes: lanes), pixels = pixelStep(lanes: lanes)
        forEachTile(width: outputWindowWidth, lanes: lanes, laneLimit: g.outputChannels) { t, origin, lane in
            let beta = VectorLanes.load(bias + lane, count: min(16, g.outputChannels - lane))
            let m = b.products + ((row0 + t) * lanes + lane), out = b.outputWindow + (origin + lane)
            if tileSize == 2 {
                let (y00, y01, y10, y11) = WinogradTile(loadingPlanes: m, stride: planeStride).outputTransformed
                VectorLanes.store(y00 + beta, out)
                VectorLanes.store(y01 + beta, out + pixels)
                VectorLanes.store(y10 + beta, out + rows)
                VectorLanes.store(y11 + beta, out + rows + pixels)
            } else {
                Winograd4x4.outputTile(m, planeStride: planeStride, bias: beta, into: out, rowStride: rows,
                                       columnStride: pixels, temp: b.temp)
            }
        }
        Transpose.pixelsToChannels(b.outputWindow, grid: outputGrid, channels: g.outputChannels,
                                   into: y, channelStride: g.outputPixels)
    }

    // MARK: Backward

    /// Writes `dWeight[K, C, 3, 3]` (overwritten) and, when `dInput` is given, `dx[batch, C, H, W]`
    /// (overwritten), from `dy[batch, K, P, Q]`. The bias gradient is `Conv2D`'s.
    func backward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                  batch: Int, weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                  scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        let b = buffers(scratch)
        let c = g.inputChannels, k = g.outputChannels
        transformKernelsTransposed(weight, into: b.kernelTransposed)
        forEachChunk(of: batch, size: groupSamples) { n0, samples in
            let rows = samples * tiles
            for n in 0 ..< samples {
                transformInput(input + (n0 + n) * g.inputCount, row0: n * tiles, buffers: b)
                transformOutputGradient(dOutput + (n0 + n) * g.outputCount, row0: n * tiles, buffers: b)
            }
            // dU_ξ[C, K] (+)= V_ξᵀ[C, rows] · dMᵀ_ξ[rows, K], summed over the shard in sample order.
            for xi in 0 ..< planes {
                GEMM.multiply(
                    inPlaceA: PaddedStrips(source: ColumnMajorOperand(base: b.transformed + xi * inputPlaneStride, columnStride: inputLanes)),
                    b: PaddedRowMajorPanels(base: b.products + xi * outputPlaneStride, rowStride: outputLanes),
                    c: b.kernelGradient + xi * c * outputLanes, ldc: outputLanes,
                    m: c, n: k, k: rows, accumulate: n0 > 0, workspace: gemm)
            }
            if let dInput {
                // dV_ξ[rows, C] = dMᵀ_ξ[rows, K] · Uᵀ_ξ[K, C], over V (no longer needed).
                for xi in 0 ..< planes {
                    GEMM.multiply(
                        inPlaceA: PaddedStrips(source: RowMajorOperand(base: b.products + xi * outputPlaneStride, rowStride: outputLanes)),
                        b: PaddedRowMajorPanels(base: b.kernelTransposed + xi * k * inputLanes, rowStride: inputLanes),
                        c: b.transformed + xi * inputPlaneStride, ldc: inputLanes,
                        m: rows, n: c, k: k, accumulate: false, workspace: gemm)
                }
                for n in 0 ..< samples { transformInputGradient(b, row0: n * tiles, into: dInput + (n0 + n) * g.inputCount) }
            }
        }
        if batch == 0 { b.kernelGradient.update(repeating: 0, count: planes * c * outputLanes) }
        for cc in 0 ..< c {
            forEachChunk(of: k, size: 16) { k0, lanes in
                let kernelPlanes = b.kernelGradient + cc * outputLanes + k0, target = dWeight + (k0 * c + cc) * 9
                @inline(__always) func store(_ i: Int, _ v: SIMD16<Float>) {
                    for l in 0 ..< lanes { target[l &* c &* 9 &+ i] = v[l] }
                }
                if tileSize == 2 {
                    WinogradKernelTransform.backward(kernelPlanes, stride: c * outputLanes, into: store)
                } else {
                    Winograd4x4.kernelGradientTiles(kernelPlanes, stride: c * outputLanes, into: store)
                }
            }
        }
    }

    /// `dMᵀ_ξ[row0 + t, Kp] = A dy Aᵀ` of every tile of `dy[K, P, Q]`, through the
    /// channel-innermost `dyT` (zero past P, Q or K).
    private func transformOutputGradient(_ dy: UnsafePointer<Float>, row0: Int, buffers b: Buffers) {
        let lanes = outputLanes, planeStride = outputPlaneStride
        let rows = rowStep(width: outputWindowWidth, lanes: lanes), pixels = pixelStep(lanes: lanes)
        if outputWindowHasBorder { b.outputWindow.update(repeating: 0, count: outputWindowHeight * outputWindowWidth * lanes) }
        Transpose.channelsToPixels(dy, channelStride: g.outputPixels, channels: g.outputChannels,
                                   into: b.outputWindow, grid: outputGrid, fillLanes: true)
        forEachTile(width: outputWindowWidth, lanes: lanes, laneLimit: lanes) { t, origin, lane in
            let d = b.outputWindow + (origin + lane), dm = b.products + ((row0 + t) * lanes + lane)
            if tileSize == 2 {
                WinogradTile(outputGradient: VectorLanes.load(d), VectorLanes.load(d + pixels), VectorLanes.load(d + rows),
                             VectorLanes.load(d + rows + pixels))
                    .store(planes: dm, stride: planeStride)
            } else {
                Winograd4x4.outputGradientTile(d, rowStride: rows, columnStride: pixels, into: dm,
                                               planeStride: planeStride, temp: b.temp)
            }
        }
    }

    /// `dx[C, H, W] = Σ_t B dV_t Bᵀ` over the overlapping input windows of the tiles at rows
    /// `row0 …` of dV, in tile order, then copied out of the channel-innermost window (the zero
    /// border dropped).
    private func transformInputGradient(_ b: Buffers, row0: Int, into dx: UnsafeMutablePointer<Float>) {
        let window = b.window, lanes = inputLanes, planeStride = inputPlaneStride
        window.update(repeating: 0, count: paddedHeight * paddedWidth * lanes)
        let rows = rowStep(width: paddedWidth, lanes: lanes), pixels = pixelStep(lanes: lanes)
        forEachTile(width: paddedWidth, lanes: lanes, laneLimit: lanes) { t, origin, lane in
            let dv = b.transformed + ((row0 + t) * lanes + lane), d = window + (origin + lane)
            if tileSize == 2 {
                WinogradTile(loadingPlanes: dv, stride: planeStride).inputGradient.add(into: d, rowStride: rows, columnStride: pixels)
            } else {
                Winograd4x4.inputGradientTile(dv, planeStride: planeStride, addingInto: d, rowStride: rows,
                                              columnStride: pixels, temp: b.temp)
            }
        }
        Transpose.pixelsToChannels(window, grid: inputGrid, channels: g.inputChannels,
                                   into: dx, channelStride: g.height * g.width)
    }
}
