// Kernel legend (one sample, stride 1): x[C, H, W] → y[K, P, Q], kernels w[K, C, R, S].
// The image is copied into a zero-padded window xp (ShiftedWindow: rows L = W + pad apart, the
// left padding of each row doubling as the right padding of the row before), and the output is
// computed over flattened window rows: output pixel (p, q) is column j = p·L + q of y'[K, P·L],
//
//   y'[k, j] = Σ_{c, r, s} w[k, c, r, s] · xp[offset(c, r, s) + j],  offset = c·planeSize + r·L + s
//
// so every depth (c, r, s) reads the window itself at a shift (ShiftedRowKernels.swift): no
// im2col matrix, no packing of the image. Columns j = p·L + q with q ≥ Q wrap into the next
// window row; they are computed and dropped, so Q / L of the work is useful (28/30 for a
// 28-wide image with padding 2, 10/14 for a 10-wide output of a 14-wide input).
//
//   forward   y' = w ⋆ xp, bias as the accumulators' start        8 kernels × 48 columns a tile
//   dWeight   dw[k, (c, r, s)] = Σ_n Σ_j dy'_n[k, j] · xp_n[offset(c, r, s) + j]
//             (dy' is dy on the window's row pitch L, zero in the wrapped columns)
//   dx        the forward pass again, over dy zero-padded by R−1−pad rows (S−1−pad columns)
//             with the kernels turned by 180° and transposed: w'[c, k, r, s] = w[k, c, R−1−r, S−1−s]
//             (for pad 0 its rows are exactly W apart: no wrapped columns at all)
// Kernel rows that read only padding rows for a whole tile are skipped (the full convolution
// of dx reads R−1 padding rows above and below dy).

/// Direct convolution for stride 1 (`Conv2D`'s choice when Winograd does not apply): output
/// pixels in the vector lanes, so it suits few kernels and few input channels, where im2col's
/// packing costs as much as its multiply-adds.
///
/// Scratch layout (floats), forward:
/// - `xp [windowCount]`: one sample's zero-padded window (with slack for the last tile's reads)
/// - `y' [Kr, T·48]`: the output over flattened rows (`Kr` = K rounded up to 8, `T` tiles of 48)
/// - `a [Kr/8, CRS, 8]` packed kernels, then `bias [Kr]`
///
/// backward:
/// - `xp [G, windowCount]` the windows of a group of samples (`gradientGroup`; the whole shard
///   with kernels in the lanes); `dy' [G, Kr, Lq]` (`Lq` = P·Wp rounded up to 16)
/// - `acc [Kr/8, ⌈CRS/3⌉, 24, 16]`: the kernel gradient, 16 lanes per entry
/// - `dyp [gradientWindowCount]`: one sample's padded dy; `dx' [Cr, Td·48]`; `a' [Cr/8, KRS, 8]`
struct DirectConvolution {
    let g: ConvolutionGeometry
    /// Kernels and input channels rounded up to the tile's 8 rows.
    let kernelRows: Int, channelRows: Int
    /// The forward window and the output's flattened columns (tiles of 48).
    let window: ShiftedWindow, windowCount: Int, outputColumns: Int
    /// dy on the window's row pitch: columns per row, rounded up to 16.
    let gradientColumns: Int
    /// The backward (dx) window over padded dy, its size, and dx's flattened columns.
    let gradientWindow: ShiftedWindow, gradientWindowCount: Int, inputColumns: Int
    /// Whether the kernel gradient runs with kernels in the lanes (5 × 5 kernels, at least 12 of
    /// them: `channelGradientTile5x5`), rather than window positions (`gradientTile`).
    let kernelsInLanes: Bool
    /// Kernels rounded up to 16 lanes (the pixel-major dy of `kernelsInLanes`).
    let kernelLanes: Int

    /// Whether the geometry allows the direct path: stride 1 and padding below the kernel size
    /// (so that dx is a convolution of dy padded by `R − 1 − pad ≥ 0`).
    static func supports(_ g: ConvolutionGeometry) -> Bool {
        g.stride == 1 && g.dilation == 1 && g.hasSymmetricPadding && g.padding < g.kernelHeight && g.padding < g.kernelWidth
    }

    init(geometry g: ConvolutionGeometry) {
        precondition(DirectConvolution.supports(g), "direct convolution needs stride 1 and padding below the kernel size")
        self.g = g
        let rows = ShiftedRows.rows, columns = ShiftedRows.columns
        kernelRows = (g.outputChannels + rows - 1) / rows * rows
        channelRows = (g.inputChannels + rows - 1) / rows * rows

        window = ShiftedWindow(channels: g.inputChannels, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                               imageHeight: g.height, imageWidth: g.width, padTop: g.padding, padLeft: g.padding)
        outputColumns = (g.outputHeight * window.rowLength + columns - 1) / columns * columns
        gradientColumns = (g.outputHeight * window.rowLength + ShiftedRows.lanes - 1) / ShiftedRows.lanes * ShiftedRows.lanes
        windowCount = alignedFloatCount(max(g.inputChannels * window.channelStride,
                                            window.offset(ofDepth: window.depth - 1) + outputColumns))

        gradientWindow = ShiftedWindow(channels: g.outputChannels, kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth,
                                       imageHeight: g.outputHeight, imageWidth: g.outputWidth,
                                       padTop: g.kernelHeight - 1 - g.padding, padLeft: g.kernelWidth - 1 - g.padding)
        inputColumns = (g.height * gradientWindow.rowLength + columns - 1) / columns * columns
        gradientWindowCount = alignedFloatCount(max(g.outputChannels * gradientWindow.channelStride,
                                                    gradientWindow.offset(ofDepth: gradientWindow.depth - 1) + inputColumns))
        kernelsInLanes = g.kernelHeight == 5 && g.kernelWidth == 5 && g.outputChannels >= 12
        kernelLanes = (g.outputChannels + ShiftedRows.lanes - 1) / ShiftedRows.lanes * ShiftedRows.lanes
    }

    private var tapTriples: Int { (window.depth + ShiftedRows.taps - 1) / ShiftedRows.taps }
    /// Where tap `tap` of the kernel gradient reads the window; taps past the kernel's depth
    /// (filling the last triple) read offset 0, and their sums are dropped. Computed per tile,
    /// not tabulated: a table would hold one entry per weight of a kernel, whatever its size
    /// (a spec's 8367 × 8367 `dwconv` made it 560 MB when the network was built).
    @inline(__always)
    private func tapOffset(_ tap: Int) -> Int { tap < window.depth ? window.offset(ofDepth: tap) : 0 }
    /// The kernel gradient's 16-lane accumulators, or the 25 × 16 tile of `kernelsInLanes`.
    private var accumulatorCount: Int {
        max(kernelRows / ShiftedRows.rows * tapTriples * ShiftedRows.rows * ShiftedRows.taps * ShiftedRows.lanes, 25 * ShiftedRows.lanes)
    }
    /// Floats of the dy rows of one group of samples (or, with `kernelsInLanes`, the pixel-major
    /// dy of the whole shard).
    private func gradientRowsCount(batch: Int) -> Int {
        kernelsInLanes ? alignedFloatCount(batch * g.outputPixels * kernelLanes)
            : alignedFloatCount(gradientGroup(batch: batch) * kernelRows * gradientColumns)
    }
    /// Samples whose windows and dy rows the kernel gradient holds at once (with kernels in the
    /// lanes, the whole shard): about 32 KB of dy rows and windows for one block of 8 kernels,
    /// so that a group stays in L1 while its tiles run. Depends on the geometry and `batch` only.
    private func gradientGroup(batch: Int) -> Int {
        kernelsInLanes ? batch : max(1, min(batch, 8192 / (ShiftedRows.rows * gradientColumns + windowCount)))
    }
    private var packedCount: Int { alignedFloatCount(kernelRows * window.depth + kernelRows) }
    private var packedTransposedCount: Int { alignedFloatCount(channelRows * gradientWindow.depth) }

    /// Floats of scratch the passes need for a shard of `batch` samples.
    func scratchCount(batch: Int) -> Int {
        let forward = windowCount + alignedFloatCount(kernelRows * outputColumns) + packedCount
        let backward = gradientGroup(batch: batch) * windowCount + gradientRowsCount(batch: batch) + accumulatorCount
            + gradientWindowCount + alignedFloatCount(channelRows * inputColumns) + packedTransposedCount
        return max(forward, backward)
    }

    // MARK: - Forward

    /// `y[N, K, P, Q] = w ⋆ x[N, C, H, W] + bias`.
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int,
                 weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let xp = scratch
        let rowsOut = xp + windowCount
        let packed = rowsOut + alignedFloatCount(kernelRows * outputColumns)
        let packedBias = packed + kernelRows * window.depth

        // a[kb, d, i] = w[8·kb + i, d], zero for kernels past K.
        pack(rows: g.outputChannels, depth: window.depth, into: packed) { k, d in weight[k * window.depth + d] }
        packedBias.initialize(repeating: 0, count: kernelRows)
        packedBias.update(from: bias, count: g.outputChannels)

        convolveEach(input, imageCount: g.inputCount, batch: batch, shape: window, window: xp, windowCount: windowCount,
                     packed: packed, bias: packedBias, rowBlocks: kernelRows / ShiftedRows.rows, columns: outputColumns, rows: rowsOut,
                     into: output, outputChannels: g.outputChannels, outputCount: g.outputCount)
    }

    // MARK: - Backward

    /// dWeight `[K, C, R, S]` (overwritten) and, if `dInput` is given, dx `[N, C, H, W]`.
    func backward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?, batch: Int,
                  weight: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let windows = scratch
        let dyRows = windows + gradientGroup(batch: batch) * windowCount
        let acc = dyRows + gradientRowsCount(batch: batch)
        let dyWindow = acc + accumulatorCount
        let dxRows = dyWindow + gradientWindowCount
        let packed = dxRows + alignedFloatCount(channelRows * inputColumns)

        kernelGradient(input: input, dOutput: dOutput, batch: batch, windows: windows, dyRows: dyRows, acc: acc, into: dWeight)

        guard let dInput else { return }
        // a'[cb, (k, r, s), i] = w[k, 8·cb + i, R−1−r, S−1−s], zero for channels past C.
        let r1 = g.kernelHeight - 1, s1 = g.kernelWidth - 1
        pack(rows: g.inputChannels, depth: gradientWindow.depth, into: packed) { c, d in
            let (k, r, s) = gradientWindow.tap(ofDepth: d)
            return weight[((k * g.inputChannels + c) * g.kernelHeight + r1 - r) * g.kernelWidth + s1 - s]
        }
        convolveEach(dOutput, imageCount: g.outputCount, batch: batch, shape: gradientWindow, window: dyWindow,
                     windowCount: gradientWindowCount, packed: packed, bias: nil, rowBlocks: channelRows / ShiftedRows.rows,
                     columns: inputColumns, rows: dxRows, into: dInput, outputChannels: g.inputChannels, outputCount: g.inputCount)
    }

    /// dWeight from every sample's window and dy on the window's row pitch, accumulated in 16
    /// lanes per entry over the shard, then summed across lanes. The samples go in groups
    /// (`gradientGroup`) whose windows and dy rows are made just before their tiles run, in
    /// scratch the size of one group, so that they are still in L1 (and a shard's scratch stays
    /// small: 3.3 MB → 0.1 MB for a 3 × 3 convolution of one 28 × 28 channel). The order of the
    /// sums depends on the geometry and `batch` only.
    private func kernelGradient(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, batch: Int,
                                windows: UnsafeMutablePointer<Float>, dyRows: UnsafeMutablePointer<Float>,
                                acc: UnsafeMutablePointer<Float>, into dWeight: UnsafeMutablePointer<Float>) {
        let rows = ShiftedRows.rows, taps = ShiftedRows.taps, lanes = ShiftedRows.lanes
        if kernelsInLanes {
            windows.initialize(repeating: 0, count: batch * windowCount)
            for n in 0 ..< batch {
                copyIntoWindow(input + n * g.inputCount, window: window, into: windows + n * windowCount)
            }
            kernelGradientInLanes(dOutput: dOutput, batch: batch, windows: windows, dyPixels: dyRows, tile: acc, into: dWeight)
            return
        }
        let dyStride = kernelRows * gradientColumns
        acc.initialize(repeating: 0, count: accumulatorCount)
        let entriesPerTriple = rows * taps * lanes
        forEachChunk(of: batch, size: gradientGroup(batch: batch)) { n0, samples in
            windows.initialize(repeating: 0, count: samples * windowCount)
            for n in 0 ..< samples {
                copyIntoWindow(input + (n0 + n) * g.inputCount, window: window, into: windows + n * windowCount)
                // dy'[k, p·L + q] = dy[k, p, q] for q < Q, zero in the wrapped columns, past P·L and past K.
                let rowsOfSample = dyRows + n * dyStride
                rowsOfSample.initialize(repeating: 0, count: dyStride)
                for k in 0 ..< g.outputChannels {
                    for p in 0 ..< g.outputHeight {
                        VectorLanes.copy(dOutput + (n0 + n) * g.outputCount + (k * g.outputHeight + p) * g.outputWidth,
                                         to: rowsOfSample + k * gradientColumns + p * window.rowLength, count: g.outputWidth)
                    }
                }
            }
            for kb in 0 ..< kernelRows / rows {
                for t in 0 ..< tapTriples {
                    ShiftedRows.gradientTile(dy: dyRows + kb * rows * gradientColumns, ldDy: gradientColumns, dyStride: dyStride,
                                             image: windows, imageStride: windowCount,
                                             offsets: (tapOffset(taps * t), tapOffset(taps * t + 1), tapOffset(taps * t + 2)),
                                             columns: gradientColumns, samples: samples,
                                             acc: acc + (kb * tapTriples + t) * entriesPerTriple)
                }
            }
        }
        for k in 0 ..< g.outputChannels {
            let kb = k / rows, i = k % rows
            for tap in 0 ..< window.depth {
                let entry = acc + (kb * tapTriples + tap / taps) * entriesPerTriple + (i * taps + tap % taps) * lanes
                dWeight[k * window.depth + tap] = UnsafeRawPointer(entry).loadUnaligned(as: SIMD16<Float>.self).sum()
            }
        }
    }

    /// dWeight with kernels in the lanes, for 5 × 5 kernels: dy made pixel-major `[N, P·Q, Kl]`
    /// (`Kl` = K rounded up to 16, zero past K), then one 25-tap tile per input channel and block
    /// of 16 kernels over every sample's output pixels. The order of the sums depends on the
    /// geometry and `batch` only.
    private func kernelGradientInLanes(dOutput: UnsafePointer<Float>, batch: Int, windows: UnsafePointer<Float>,
                                       dyPixels: UnsafeMutablePointer<Float>, tile: UnsafeMutablePointer<Float>,
                                       into dWeight: UnsafeMutablePointer<Float>) {
        let lanes = ShiftedRows.lanes
        let dyStride = g.outputPixels * kernelLanes
        let grid = PixelGrid(height: g.outputHeight, width: g.outputWidth, origin: 0,
                             rowStride: g.outputWidth * kernelLanes, pixelStride: kernelLanes)
        for n in 0 ..< batch {
            Transpose.channelsToPixels(dOutput + n * g.outputCount, channelStride: g.outputPixels, channels: g.outputChannels,
                                       into: dyPixels + n * dyStride, grid: grid, fillLanes: true)
        }
        let taps = window.kernelHeight * window.kernelWidth
        for c in 0 ..< g.inputChannels {
            for kb in 0 ..< kernelLanes / lanes {
                ShiftedRows.channelGradientTile5x5(image: windows + c * window.channelStride, imageStride: windowCount,
                                                   rowLength: window.rowLength, dy: dyPixels + kb * lanes, dyStride: dyStride,
                                                   laneStride: kernelLanes, outputHeight: g.outputHeight, outputWidth: g.outputWidth,
                                                   samples: batch, out: tile)
                for l in 0 ..< min(lanes, g.outputChannels - kb * lanes) {
                    for t in 0 ..< taps {
                        dWeight[((kb * lanes + l) * g.inputChannels + c) * taps + t] = tile[t * lanes + l]
                    }
                }
            }
        }
    }

    // MARK: - Pieces shared by the passes

    /// Packs `rows` rows of a `[rows, depth]` matrix given by `value(row, d)` as
    /// `[⌈rows/8⌉, depth, 8]`, zero past `rows`.
    private func pack(rows count: Int, depth: Int, into packed: UnsafeMutablePointer<Float>, _ value: (Int, Int) -> Float) {
        let rows = ShiftedRows.rows
        let blocks = (count + rows - 1) / rows
        for kb in 0 ..< blocks {
            for d in 0 ..< depth {
                for i in 0 ..< rows {
                    let row = kb * rows + i
                    packed[(kb * depth + d) * rows + i] = row < count ? value(row, d) : 0
                }
            }
        }
    }

    /// For each of `batch` images (`imageCount` floats apart): copies it into the zero-bordered
    /// `window`, runs the tiles into the flattened `rows` (`columns` per row), and copies their
    /// valid columns to `outputs` (`outputCount` floats apart).
    private func convolveEach(_ images: UnsafePointer<Float>, imageCount: Int, batch: Int, shape: ShiftedWindow,
                              window: UnsafeMutablePointer<Float>, windowCount: Int, packed: UnsafePointer<Float>,
                              bias: UnsafePointer<Float>?, rowBlocks: Int, columns: Int, rows: UnsafeMutablePointer<Float>,
                              into outputs: UnsafeMutablePointer<Float>, outputChannels: Int, outputCount: Int) {
        window.initialize(repeating: 0, count: windowCount)
        for n in 0 ..< batch {
            copyIntoWindow(images + n * imageCount, window: shape, into: window)
            convolve(window: window, shape: shape, packed: packed, bias: bias, blocks: rowBlocks, columns: columns, into: rows)
            copyFromRows(rows, ldRows: columns, channels: outputChannels, window: shape, into: outputs + n * outputCount)
        }
    }

    /// Runs the 8 × 48 tiles over the whole flattened output: `blocks` blocks of 8 rows, tiles of
    /// 48 columns outermost so that the window's slice stays in L1 across the blocks; each tile
    /// skips the kernel rows that read only padding for all its output rows.
    private func convolve(window xp: UnsafePointer<Float>, shape: ShiftedWindow, packed: UnsafePointer<Float>,
                          bias: UnsafePointer<Float>?, blocks: Int, columns: Int, into rowsOut: UnsafeMutablePointer<Float>) {
        let rows = ShiftedRows.rows
        var j = 0
        while j < columns {
            let kernelRows = shape.kernelRows(reaching: j / shape.rowLength ... (j + ShiftedRows.columns - 1) / shape.rowLength)
            for kb in 0 ..< blocks {
                ShiftedRows.convolutionTile(a: packed + kb * shape.depth * rows, image: xp + j, window: shape, kernelRows: kernelRows,
                                            initial: bias.map { $0 + kb * rows }, out: rowsOut + kb * rows * columns + j, ldOut: columns)
            }
            j += ShiftedRows.columns
        }
    }
}

/// Copies an image `[channels, imageHeight, imageWidth]` into the interior of its zero-bordered
/// window.
private func copyIntoWindow(_ image: UnsafePointer<Float>, window: ShiftedWindow, into xp: UnsafeMutablePointer<Float>) {
    let height = window.imageHeight, width = window.imageWidth
    for c in 0 ..< window.channels {
        for h in 0 ..< height {
            VectorLanes.copy(image + (c * height + h) * width,
                             to: xp + c * window.channelStride + (h + window.padTop) * window.rowLength + window.padLeft, count: width)
        }
    }
}

/// Copies the valid columns of flattened output rows (`ldRows` floats per channel, the window's
/// row pitch apart) into an image `[channels, outputHeight, outputWidth]`.
private func copyFromRows(_ rows: UnsafePointer<Float>, ldRows: Int, channels: Int, window: ShiftedWindow,
                          into image: UnsafeMutablePointer<Float>) {
    let height = window.outputHeight, width = window.outputWidth
    for c in 0 ..< channels {
        for h in 0 ..< height {
            VectorLanes.copy(rows + c * ldRows + h * window.rowLength, to: image + (c * height + h) * width, count: width)
        }
    }
}
