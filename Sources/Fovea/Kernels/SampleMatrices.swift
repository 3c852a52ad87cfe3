// Kernel legend: a group of G samples' planes `dy[G, K, P·Q]` read as one matrix, for the GEMMs of
// `Im2ColConvolution` that put the samples' pixels side by side.

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
                VectorLanes.copy(planes + position, to: dst + t, count: run)
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

    /// Each sample's rows are packed by `StridedMatrix`'s transposing path (16 × 16 blocks in
    /// registers), one sample's run of depths at a time.
    @inline(__always)
    func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
        let sample = channels &* pixels
        var n = k0 / pixels, pq = k0 % pixels, kk = 0
        while kk < kc {
            let run = min(pixels &- pq, kc &- kk)
            StridedMatrix.transposed(planes + n &* sample, columns: pixels)
                .packPanel(k0: pq, kc: run, j0: j0, columns: columns, into: panel + kk &* GEMM.nr)
            kk &+= run
            pq = 0
            n &+= 1
        }
    }
}
