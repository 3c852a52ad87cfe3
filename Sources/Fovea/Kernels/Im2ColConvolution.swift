/// The three products of a convolution on the implicit im2col matrix (`ConvolutionGeometry`'s
/// legend), each a register-tiled GEMM per sample. `Conv2D` runs them for strides, dilations and
/// uneven padding; `ConvTranspose2D` runs them with the roles of input and output swapped.
///
/// - forward: `y_n[K, PQ] = weight[K, CRS] · col(x_n)[CRS, PQ] + bias`
/// - weight gradient: `dWᵀ[CRS, K] = Σ_n col(x_n)[CRS, PQ] · dy_nᵀ[PQ, K]` (so that im2col is read
///   along pixel rows), transposed into `dW[K, CRS]`
/// - input gradient: `dx_n = col2im(weightᵀ[CRS, K] · dy_n[K, PQ])`
struct Im2ColConvolution {
    let geometry: ConvolutionGeometry

    /// Floats of scratch the gradients need: dCol `[CRS, PQ]`, then dWᵀ `[CRS, K]`.
    var scratchCount: Int {
        alignedFloatCount(geometry.patchSize * geometry.outputPixels) + geometry.patchSize * geometry.outputChannels
    }

    /// Floats of packed GEMM A operand: weight (forward), col(x_n) (weight gradient), weightᵀ
    /// (input gradient).
    var packedACount: Int {
        let g = geometry
        return max(GEMM.packedACount(m: g.outputChannels, k: g.patchSize), GEMM.packedACount(m: g.patchSize, k: g.outputPixels),
                   GEMM.packedACount(m: g.patchSize, k: g.outputChannels))
    }

    /// `y[N, K, P, Q]` from `x[N, C, H, W]`; `bias` `[K]`, or no bias when `nil`.
    func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int, weight: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>?, gemm: GEMMWorkspace) {
        let g = geometry
        GEMM.packA(StridedMatrix.rowMajor(weight, columns: g.patchSize), m: g.outputChannels, k: g.patchSize, into: gemm.packedA)
        for n in 0 ..< batch {
            let y = output + n * g.outputCount
            for k in 0 ..< g.outputChannels {
                (y + k * g.outputPixels).update(repeating: bias?[k] ?? 0, count: g.outputPixels)
            }
            GEMM.multiply(packedA: gemm.packedA, b: Im2ColPanels(image: input + n * g.inputCount, g: g),
                          c: y, ldc: g.outputPixels, m: g.outputChannels, n: g.outputPixels, k: g.patchSize,
                          accumulate: true, workspace: gemm)
        }
    }

    /// `dW[K, C, R, S]` (overwritten) from x and dy, accumulated sample by sample in scratch.
    func weightGradient(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, batch: Int, dWeight: UnsafeMutablePointer<Float>,
                        scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        let g = geometry
        let dWeightT = scratch + alignedFloatCount(g.patchSize * g.outputPixels)
        for n in 0 ..< batch {
            GEMM.multiply(a: Im2ColRows(image: input + n * g.inputCount, g: g),
                          b: StridedMatrix.transposed(dOutput + n * g.outputCount, columns: g.outputPixels),
                          c: dWeightT, ldc: g.outputChannels, m: g.patchSize, n: g.outputChannels, k: g.outputPixels,
                          accumulate: n > 0, workspace: gemm)
        }
        if batch == 0 { dWeightT.update(repeating: 0, count: g.outputChannels * g.patchSize) }
        for k in 0 ..< g.outputChannels {
            for i in 0 ..< g.patchSize { dWeight[k * g.patchSize + i] = dWeightT[i * g.outputChannels + k] }
        }
    }

    /// `dx[N, C, H, W]` (overwritten) from dy: `col2im(weightᵀ · dy_n)` per sample.
    func inputGradient(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, batch: Int, weight: UnsafePointer<Float>,
                       scratch: UnsafeMutablePointer<Float>, gemm: GEMMWorkspace) {
        let g = geometry
        GEMM.packA(StridedMatrix.transposed(weight, columns: g.patchSize), m: g.patchSize, k: g.outputChannels, into: gemm.packedA)
        let dCol = scratch
        for n in 0 ..< batch {
            GEMM.multiply(packedA: gemm.packedA, b: StridedMatrix.rowMajor(dOutput + n * g.outputCount, columns: g.outputPixels),
                          c: dCol, ldc: g.outputPixels, m: g.patchSize, n: g.outputPixels, k: g.outputChannels,
                          accumulate: false, workspace: gemm)
            let dx = dInput + n * g.inputCount
            dx.update(repeating: 0, count: g.inputCount)
            col2imAccumulate(dCol, into: dx, geometry: g)
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
