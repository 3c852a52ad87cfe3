/// The three products of a convolution on the implicit im2col matrix (`ConvolutionGeometry`'s
/// legend), each a register-tiled GEMM over a group of samples at once (their pixels side by
/// side as the GEMM's columns or depth, so that small images fill whole tiles), with the im2col
/// matrix packed from each sample's `PhaseWindow`. `Conv2D` runs them for strides, dilations and
/// uneven padding; `ConvTranspose2D` runs them with the roles of input and output swapped.
///
/// Shapes: x `[N, C, H, W]`, weight `[K, C, R, S]`, y `[N, K, P, Q]`; a group is `G` samples.
/// - forward: `y[K, G·PQ] = weight[K, CRS] · col(x)[CRS, G·PQ] + bias`, copied out per sample
/// - weight gradient: `dWᵀ[CRS, K] = Σ_groups col(x)[CRS, G·PQ] · dyᵀ[G·PQ, K]` (so that im2col
///   is read along pixel rows), transposed into `dW[K, CRS]`
/// - input gradient: `dx_n = col2im(weightᵀ[CRS, K] · dy[K, G·PQ])`, added into each sample's
///   phase window and copied out
/// With few taps (`CRS ≤ mostFewTaps`, e.g. one input channel) the forward product and the
/// input gradient's `dCol` run as vectors along each sample's pixels instead of through the GEMM.
///
/// Determinism: each output element is one fused multiply-add chain in a fixed order (GEMM's
/// guarantee, which the few-taps products keep): forward over `(c, r, s)` from the bias; the
/// weight gradient over samples, then pixels, whatever the grouping (a group continues the
/// previous one's sums); col2im adds by row of dCol, then by output pixel. So neither the group
/// size nor the shard's size changes a bit of any sample's result, and the numbers are those of
/// one GEMM per sample.
struct Im2ColConvolution {
    let geometry: ConvolutionGeometry

    /// The most output pixels of one group, `4 · GEMM.nc`.
    static let groupColumns = 4 * GEMM.nc

    /// Samples per group for a shard of `batch`: as many as fit `groupColumns` (at least one),
    /// fewer if that makes the group's pixels a multiple of the GEMM's 32-column panels (no
    /// partial panel: 32 samples of 7 × 7, 8 of 14 × 14). Depends on the geometry and `batch`
    /// only, and changes no result (see above).
    func groupSize(batch: Int) -> Int {
        let pq = geometry.outputPixels, most = max(1, min(max(batch, 1), Im2ColConvolution.groupColumns / pq))
        for samples in stride(from: most, to: max(most / 2, 1), by: -1) where samples * pq % GEMM.nr == 0 {
            return samples
        }
        return most
    }

    private var window: PhaseWindow { PhaseWindow(geometry: geometry) }

    /// Floats of scratch for a shard of `batch`: the group's phase windows, its im2col matrix
    /// `col [CRS, G·PQ]`, then the forward's output `[K, G·PQ]` and the weight gradient's
    /// `dWᵀ [CRS, K]`; or the input gradient's `dCol [CRS, G·PQ]` after the windows.
    func scratchCount(batch: Int) -> Int {
        let g = geometry, group = groupSize(batch: batch)
        return group * window.sampleStride + alignedFloatCount(g.patchSize * group * g.outputPixels)
            + alignedFloatCount(g.outputChannels * group * g.outputPixels) + alignedFloatCount(g.patchSize * g.outputChannels)
    }

    /// Floats of the patch cache (`forward`'s `patches`): every group's im2col matrix
    /// `[CRS, G·PQ]`, each starting on 64 bytes, then 16 floats for the last one's spill.
    func patchCacheCount(batch: Int) -> Int {
        let g = geometry, group = groupSize(batch: batch), full = batch / group, rest = batch - full * group
        return full * alignedFloatCount(g.patchSize * group * g.outputPixels) + alignedFloatCount(g.patchSize * rest * g.outputPixels) + 16
    }

    /// Where the group of samples starting at `n0` keeps its im2col matrix in the patch cache.
    private func patchCacheOffset(n0: Int, group: Int) -> Int {
        n0 / group * alignedFloatCount(geometry.patchSize * group * geometry.outputPixels)
    }

    /// Floats of packed GEMM A operand: weight (forward), weightᵀ (input gradient). The weight
    /// gradient reads its A, the group's im2col matrix, where it lies.
    func packedACount(batch: Int) -> Int {
        let g = geometry
        return max(GEMM.packedACount(m: g.outputChannels, k: g.patchSize), GEMM.packedACount(m: g.patchSize, k: g.outputChannels))
    }

    /// The scratch regions of the forward pass and the weight gradient (see `scratchCount`).
    private func regions(_ scratch: UnsafeMutablePointer<Float>, group: Int)
        -> (windows: UnsafeMutablePointer<Float>, col: UnsafeMutablePointer<Float>, product: UnsafeMutablePointer<Float>,
            dWeightT: UnsafeMutablePointer<Float>) {
        let g = geometry, columns = group * g.outputPixels
        let col = scratch + group * window.sampleStride
        let product = col + alignedFloatCount(g.patchSize * columns)
        return (scratch, col, product, product + alignedFloatCount(g.outputChannels * columns))
    }

    /// Fills the windows of samples `n0 ..< n0 + samples` of `input` and writes their im2col
    /// matrix into `col` (`samples · PQ` floats per row).
    private func im2col(_ input: UnsafePointer<Float>, n0: Int, samples: Int, windows: UnsafeMutablePointer<Float>,
                        col: UnsafeMutablePointer<Float>) {
        let g = geometry, shape = window
        for n in 0 ..< samples {
            shape.fill(from: input + (n0 + n) * g.inputCount, into: windows + n * shape.sampleStride)
        }
        shape.im2col(windows, samples: samples, into: col, ldc: samples * g.outputPixels)
    }

    /// `y` of samples `n0 ..< n0 + samples` from their im2col matrix `col`: weight (packed in
    /// `gemm.packedA`) times col, from the bias, through `product`, copied out per sample; with
    /// few taps, `forwardFewTaps` instead.
    private func forwardGroup(col: UnsafePointer<Float>, n0: Int, samples: Int, output: UnsafeMutablePointer<Float>,
                              weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?, product: UnsafeMutablePointer<Float>,
                              gemm: GEMMWorkspace) {
        if hasFewTaps {
            forwardFewTaps(col: col, n0: n0, samples: samples, output: output, weight: weight, bias: bias)
            return
        }
        let g = geometry, pq = g.outputPixels, columns = samples * pq
        for k in 0 ..< g.outputChannels {
            fillFloats(product + k * columns, with: bias?[k] ?? 0, count: columns)
        }
        GEMM.multiply(packedA: gemm.packedA, b: StridedMatrix.rowMajor(col, columns: columns),
                      c: product, ldc: columns, m: g.outputChannels, n: columns, k: g.patchSize,
                      accumulate: true, workspace: gemm)
        for n in 0 ..< samples {
            let y = output + (n0 + n) * g.outputCount
            for k in 0 ..< g.outputChannels {
                VectorLanes.copy(product + k * columns + n * pq, to: y + k * pq, count: pq)
            }
        }
    }

    /// The most rows of col (`C·R·S`) the few-taps products take: one register each of a
    /// `VectorBlock`. With so few, a product that shallow (forward: depth 9 for a 3 × 3 kernel on
    /// one channel, an autoencoder's first layer) or that narrow (input gradient: 9 rows, the
    /// mirror of a transposed convolution to one channel, its last layer) runs as vectors along
    /// each sample's output pixels, the col rows in registers, instead of through the GEMM, whose
    /// 12 × 32 tiles did 9 multiply-adds per load and store of C and whose pixels went through a
    /// bias-filled product matrix and a copy out, or packed panels. Each element is still the
    /// GEMM's chain of fused multiply-adds, in its order. Outputs of fewer than 16 pixels keep
    /// the GEMM, which puts the samples' pixels side by side instead of leaving lanes empty.
    static let mostFewTaps = 16
    private var hasFewTaps: Bool {
        geometry.patchSize <= Im2ColConvolution.mostFewTaps && geometry.outputPixels >= 16
    }

    /// `forwardGroup` with few taps: `y_n[k, pixels] = bias[k] + Σ_t weight[k, t] · col[t, n·PQ + pixels]`
    /// for each sample n of the group (col `[CRS, G·PQ]`, y `[N, K, P, Q]`), 16 pixels at a time,
    /// straight into y (no product matrix, no copy); the chain starts from the bias (0 without
    /// one) and adds the taps in order, as the GEMM on a bias-filled product does.
    private func forwardFewTaps(col: UnsafePointer<Float>, n0: Int, samples: Int, output: UnsafeMutablePointer<Float>,
                                weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        let g = geometry, pq = g.outputPixels, taps = g.patchSize, columns = samples * pq
        for n in 0 ..< samples {
            let y = output + (n0 + n) * g.outputCount, x = col + n * pq
            forEachChunk(of: pq, size: 16) { j, lanes in
                let rows = VectorBlock { t in t < taps ? VectorLanes.load(x + (t &* columns &+ j), count: lanes) : SIMD16() }
                for k in 0 ..< g.outputChannels {
                    var sum = SIMD16<Float>(repeating: bias?[k] ?? 0)
                    let w = weight + k &* taps
                    rows.forEach { t, row in
                        if t < taps { sum.addProduct(SIMD16(repeating: w[t]), row) }
                    }
                    VectorLanes.store(sum, y + (k &* pq &+ j), count: lanes)
                }
            }
        }
    }

    /// The input gradient's `dCol[t, n·PQ + pixels] = Σ_k weight[k, t] · dy_n[k, pixels]` with few
    /// taps (dCol `[CRS, G·PQ]`, dy `[N, K, P, Q]`), 16 pixels of a sample at a time: one register
    /// per row of dCol, each output channel's dy loaded once for all of them. The chain starts
    /// from +0 and adds the output channels in order, as the GEMM does.
    private func inputGradientColumnsFewTaps(dOutput: UnsafePointer<Float>, n0: Int, samples: Int, weight: UnsafePointer<Float>,
                                             into dCol: UnsafeMutablePointer<Float>) {
        let g = geometry, pq = g.outputPixels, taps = g.patchSize, columns = samples * pq
        for n in 0 ..< samples {
            let dy = dOutput + (n0 + n) * g.outputCount, target = dCol + n * pq
            forEachChunk(of: pq, size: 16) { j, lanes in
                var sums = VectorBlock { _ in SIMD16<Float>() }
                for k in 0 ..< g.outputChannels {
                    let gradient = VectorLanes.load(dy + (k &* pq &+ j), count: lanes), w = weight + k &* taps
                    sums = sums.mapped { t, sum in t < taps ? sum.addingProduct(SIMD16(repeating: w[t]), gradient) : sum }
                }
                sums.forEach { t, sum in
                    if t < taps { VectorLanes.store(sum, target + (t &* columns &+ j), count: lanes) }
                }
            }
        }
    }

    /// `dWᵀ` (+)= col of samples `n0 ..< n0 + samples` times their `dyᵀ`, col read in place: each
    /// of its strips of 12 rows is read for only `K / 32` panels, so packing it (a transposing
    /// copy of the whole matrix) cost more than it saved (the autoencoder's 288 × 64 × 1568
    /// product: its convolution's backward 0.69–0.71 → 0.65–0.67 ms a shard on one thread).
    private func weightGradientGroup(col: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, n0: Int, samples: Int,
                                     dWeightT: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        let g = geometry, pq = g.outputPixels
        GEMM.multiply(rowMajorA: col, lda: samples * pq,
                      b: SampleRowsPanels(planes: dOutput + n0 * g.outputCount, channels: g.outputChannels, pixels: pq),
                      c: dWeightT, ldc: g.outputChannels, m: g.patchSize, n: g.outputChannels, k: samples * pq,
                      accumulate: n0 > 0, workspace: gemm)
    }

    /// `dW[K, CRS]` from the `dWᵀ[CRS, K]` summed over every group (zero for no samples).
    private func transposeWeightGradient(_ dWeightT: UnsafeMutablePointer<Float>, batch: Int, into dWeight: UnsafeMutablePointer<Float>) {
        let g = geometry
        if batch == 0 { dWeightT.update(repeating: 0, count: g.outputChannels * g.patchSize) }
        for k in 0 ..< g.outputChannels {
            for i in 0 ..< g.patchSize { dWeight[k * g.patchSize + i] = dWeightT[i * g.outputChannels + k] }
        }
    }

    private func packWeight(_ weight: UnsafePointer<Float>, gemm: GEMMWorkspace) {
        let g = geometry
        GEMM.packA(StridedMatrix.rowMajor(weight, columns: g.patchSize), m: g.outputChannels, k: g.patchSize, into: gemm.packedA)
    }

    /// `y[N, K, P, Q]` from `x[N, C, H, W]`; `bias` `[K]`, or no bias when `nil`. With
    /// `patches` (`patchCacheCount(batch:)` floats), each group's im2col matrix is built there
    /// and kept, for a `weightGradient` of the same input and batch to read instead of
    /// building it again.
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>?, patches: UnsafeMutablePointer<Float>? = nil, scratch: UnsafeMutablePointer<Float>,
                 gemm: GEMMWorkspace) {
        let group = groupSize(batch: batch), r = regions(scratch, group: group)
        if !hasFewTaps { packWeight(weight, gemm: gemm) }
        forEachChunk(of: batch, size: group) { n0, samples in
            let col = patches.map { $0 + patchCacheOffset(n0: n0, group: group) } ?? r.col
            im2col(input, n0: n0, samples: samples, windows: r.windows, col: col)
            forwardGroup(col: col, n0: n0, samples: samples, output: output, weight: weight, bias: bias, product: r.product, gemm: gemm)
        }
    }

    /// `dW[K, C, R, S]` (overwritten) from x and dy, accumulated group by group in scratch;
    /// with `patches`, from the im2col matrices a `forward` of x kept there.
    func weightGradient(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, batch: Int, dWeight: UnsafeMutablePointer<Float>,
                        patches: UnsafePointer<Float>? = nil, scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        weightGradient(input: input, dOutput: dOutput, batch: batch, dWeight: dWeight, patches: patches, forward: nil,
                       scratch: scratch, gemm: gemm)
    }

    /// `weightGradient` and `forward` (without bias) of the same input at once, the im2col
    /// matrix of each group built once for both: a transposed convolution's backward pass, whose
    /// kernel gradient and input gradient both read its output gradient as the mirror's input.
    /// The same numbers as the two calls.
    func weightGradientAndForward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, batch: Int,
                                  dWeight: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>,
                                  scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        weightGradient(input: input, dOutput: dOutput, batch: batch, dWeight: dWeight, patches: nil, forward: (output, weight),
                       scratch: scratch, gemm: gemm)
    }

    /// The group loop of both: each group's im2col matrix built once (or read from the
    /// `patches` a forward pass kept), read by the weight gradient and, with `forward`, by the
    /// forward product into `output` with `weight`.
    private func weightGradient(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, batch: Int, dWeight: UnsafeMutablePointer<Float>,
                                patches: UnsafePointer<Float>?, forward: (output: UnsafeMutablePointer<Float>, weight: UnsafePointer<Float>)?,
                                scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        let group = groupSize(batch: batch), r = regions(scratch, group: group)
        if let forward, !hasFewTaps { packWeight(forward.weight, gemm: gemm) }
        forEachChunk(of: batch, size: group) { n0, samples in
            let col: UnsafePointer<Float>
            if let patches {
                col = patches + patchCacheOffset(n0: n0, group: group)
            } else {
                im2col(input, n0: n0, samples: samples, windows: r.windows, col: r.col)
                col = UnsafePointer(r.col)
            }
            weightGradientGroup(col: col, dOutput: dOutput, n0: n0, samples: samples, dWeightT: r.dWeightT, gemm: gemm)
            if let forward {
                forwardGroup(col: col, n0: n0, samples: samples, output: forward.output, weight: forward.weight, bias: nil,
                             product: r.product, gemm: gemm)
            }
        }
        transposeWeightGradient(r.dWeightT, batch: batch, into: dWeight)
    }

    /// `dx[N, C, H, W]` (overwritten) from dy: `col2im(weightᵀ · dy)` per group.
    func inputGradient(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, weight: UnsafePointer<Float>,
                       scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        let g = geometry, shape = window, group = groupSize(batch: batch), pq = g.outputPixels
        let windows = scratch, dCol = scratch + group * shape.sampleStride
        if !hasFewTaps {
            GEMM.packA(StridedMatrix.transposed(weight, columns: g.patchSize), m: g.patchSize, k: g.outputChannels, into: gemm.packedA)
        }
        forEachChunk(of: batch, size: group) { n0, samples in
            let columns = samples * pq
            fillFloats(windows, with: 0, count: samples * shape.sampleStride)
            let dy = SampleColumnsPanels(planes: dOutput + n0 * g.outputCount, channels: g.outputChannels, pixels: pq)
            if hasFewTaps {
                inputGradientColumnsFewTaps(dOutput: dOutput, n0: n0, samples: samples, weight: weight, into: dCol)
                col2im(dCol, ldc: columns, rows: 0 ..< g.patchSize, samples: samples, into: windows, shape: shape)
            } else if GEMM.takesStripByStrip(n: columns, k: g.outputChannels) {
                // dCol 12 rows at a time, each strip added into the windows while it is in L2.
                GEMM.multiply(packedA: gemm.packedA, b: dy, stripByStrip: dCol, m: g.patchSize, n: columns, k: g.outputChannels,
                              workspace: gemm) { i0, rows, strip in
                    col2im(strip, ldc: columns, rows: i0 ..< i0 + rows, samples: samples, into: windows, shape: shape)
                }
            } else {
                GEMM.multiply(packedA: gemm.packedA, b: dy, c: dCol, ldc: columns, m: g.patchSize, n: columns, k: g.outputChannels,
                              accumulate: false, workspace: gemm)
                col2im(dCol, ldc: columns, rows: 0 ..< g.patchSize, samples: samples, into: windows, shape: shape)
            }
            for n in 0 ..< samples {
                shape.extract(windows + n * shape.sampleStride, into: dInput + (n0 + n) * g.inputCount)
            }
        }
    }

    /// col2im into phase windows: adds each entry of rows `rows` of `dCol[C·R·S, G·P·Q]` (`ldc`
    /// floats per row, `dCol` pointing at the first of them) into its sample's window at the
    /// pixel it was read from (entries of the padding land in the window's padding, which is
    /// dropped). The order of the additions is fixed: by row of dCol, then by output pixel, so
    /// the whole matrix at once and strip after strip of it add the same numbers. Runs are added
    /// 8 floats at a time, the lanes past a run adding +0 (which changes no sum: a sum started
    /// at +0 is never −0); they read up to 7 floats past dCol and touch up to 7 past the last
    /// window, both inside the scratch.
    private func col2im(_ dCol: UnsafePointer<Float>, ldc: Int, rows: Range<Int>, samples: Int, into windows: UnsafeMutablePointer<Float>,
                        shape: PhaseWindow) {
        let g = geometry, pitch = shape.phaseWidth
        var row = PatchCursor(row: rows.lowerBound, geometry: g)
        for i in rows {
            let offset = shape.offset(row)
            for n in 0 ..< samples {
                let src = dCol + (i - rows.lowerBound) * ldc + n * g.outputPixels
                let dst = windows + n * shape.sampleStride + offset
                for p in 0 ..< g.outputHeight {
                    addRunMasked(src + p &* g.outputWidth, into: dst + p &* pitch, count: g.outputWidth)
                }
            }
            row.advance(g)
        }
    }

    /// `sums[k] = Σ_n Σ_pq values[n, k, pq]` (a bias gradient), in a fixed order: samples in
    /// order, each plane by `Elementwise.sum`.
    static func channelSums(_ values: UnsafePointer<Float>, channels: Int, plane: Int, batch: Int, into sums: UnsafeMutablePointer<Float>) {
        for k in 0 ..< channels {
            var sum: Float = 0
            for n in 0 ..< batch { sum += Elementwise.sum(values + (n * channels + k) * plane, count: plane) }
            sums[k] = sum
        }
    }
}
