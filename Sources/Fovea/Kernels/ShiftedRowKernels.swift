// Kernel legend: the register tiles of `DirectConvolution`, which convolves over flattened rows
// of a zero-padded window `xp[C, Hp, Wp]`: column j of the output stands for the window
// position j (pixel (j / Wp, j % Wp)), and depth d = (c, r, s) of the kernel reads the window
// shifted by `offset(d) = c·Hp·Wp + r·Wp + s`. So the "B operand" of every depth is the window
// itself, read in place at a shift: consecutive columns are consecutive floats, and a vector of
// 16 columns is one unaligned load. Nothing is packed.
//
//   convolutionTile  out[8, 48]   = Σ_d a[d, 8] ⊗ xp[offset(d) + 0 ..< 48]      (24 accumulators)
//   gradientTile     acc[8, 3]   += Σ_j dy[8, j] · xp[offset(t) + j], 3 taps t  (24 accumulators,
//                                   16 columns j per lane; summed across lanes by the caller)

/// A zero-padded window around an image `[channels, imageHeight, imageWidth]`, flattened, and
/// the kernel that slides over it. Row `h` of channel `c` starts at
/// `c · channelStride + (h + padTop) · rowLength + padLeft`; the rows are `rowLength =
/// imageWidth + padLeft` apart, so the left padding of row `h + 1` doubles as the right padding
/// of row `h` (a read past the image's right edge wraps into zeros). Output pixel `(p, q)` is
/// column `j = p · rowLength + q`; depth `d = (c, r, s)` (`c < channels`, `r < kernelHeight`,
/// `s < kernelWidth`, c-major) reads the window at `offset(d) + j`.
struct ShiftedWindow {
    let channels: Int, kernelHeight: Int, kernelWidth: Int
    let imageHeight: Int, imageWidth: Int, padTop: Int, padLeft: Int

    var rowLength: Int { imageWidth + padLeft }
    var channelStride: Int { (imageHeight + 2 * padTop) * rowLength }
    var depth: Int { channels * kernelHeight * kernelWidth }
    var outputHeight: Int { imageHeight + 2 * padTop - kernelHeight + 1 }
    var outputWidth: Int { imageWidth + 2 * padLeft - kernelWidth + 1 }

    /// The channel, kernel row and kernel column of depth `d`.
    func tap(ofDepth d: Int) -> (channel: Int, row: Int, column: Int) {
        (d / (kernelWidth * kernelHeight), d / kernelWidth % kernelHeight, d % kernelWidth)
    }

    /// Where depth `d` reads the window.
    func offset(ofDepth d: Int) -> Int {
        let (c, r, s) = tap(ofDepth: d)
        return c * channelStride + r * rowLength + s
    }

    /// The kernel rows `r` that reach the image (not only padding) from some output row in
    /// `rows`: output row `p` reads window rows `p + r`, and the image fills rows
    /// `padTop ..< padTop + imageHeight`. Empty when every read is padding.
    func kernelRows(reaching rows: ClosedRange<Int>) -> Range<Int> {
        let lower = max(0, padTop - rows.upperBound)
        let upper = min(kernelHeight, padTop + imageHeight - rows.lowerBound)
        return lower < upper ? lower ..< upper : 0 ..< 0
    }
}

enum ShiftedRows {
    /// Rows (kernels) and columns (window positions) of one forward register tile.
    static let rows = 8, columns = 48
    /// Taps of one gradient register tile, and the columns of one of its lanes' steps.
    static let taps = 3, lanes = 16

    /// One 8 × 48 tile: `out[i · ldOut + j] = initial[i] + Σ_d a[8·d + i] · image[offset(d) + j]`
    /// for `i < 8`, `j < 48`, over the depths whose kernel row is in `kernelRows` (the others
    /// read only padding). `a` is packed depth-major (the 8 kernels' values of depth `d` are
    /// consecutive); `image` must be readable up to `offset(depth − 1) + 48`. `initial` is 8
    /// floats (a bias) or `nil` for zeros.
    @inline(__always)
    static func convolutionTile(a: UnsafePointer<Float>, image: UnsafePointer<Float>, window: ShiftedWindow, kernelRows: Range<Int>,
                                initial: UnsafePointer<Float>?, out: UnsafeMutablePointer<Float>, ldOut: Int) {
        @inline(__always) func ld(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        }
        @inline(__always) func st(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
        }
        @inline(__always) func start(_ i: Int) -> SIMD16<Float> { SIMD16(repeating: initial?[i] ?? 0) }
        var c0a = start(0), c0b = c0a, c0c = c0a
        var c1a = start(1), c1b = c1a, c1c = c1a
        var c2a = start(2), c2b = c2a, c2c = c2a
        var c3a = start(3), c3b = c3a, c3c = c3a
        var c4a = start(4), c4b = c4a, c4c = c4a
        var c5a = start(5), c5b = c5a, c5c = c5a
        var c6a = start(6), c6b = c6a, c6c = c6a
        var c7a = start(7), c7b = c7a, c7c = c7a
        let perRow = window.kernelWidth * rows, perChannel = window.kernelHeight * perRow
        let channelStride = window.channelStride, rowLength = window.rowLength
        var plane = image + kernelRows.lowerBound * rowLength
        var channelStart = a + kernelRows.lowerBound * perRow
        for _ in 0 ..< window.channels {
            var row = plane
            var ap = channelStart
            for _ in kernelRows {
                var bp = row
                for _ in 0 ..< window.kernelWidth {
                    let b0 = ld(bp), b1 = ld(bp + 16), b2 = ld(bp + 32)
                    let a0 = SIMD16<Float>(repeating: ap[0]); c0a.addProduct(a0, b0); c0b.addProduct(a0, b1); c0c.addProduct(a0, b2)
                    let a1 = SIMD16<Float>(repeating: ap[1]); c1a.addProduct(a1, b0); c1b.addProduct(a1, b1); c1c.addProduct(a1, b2)
                    let a2 = SIMD16<Float>(repeating: ap[2]); c2a.addProduct(a2, b0); c2b.addProduct(a2, b1); c2c.addProduct(a2, b2)
                    let a3 = SIMD16<Float>(repeating: ap[3]); c3a.addProduct(a3, b0); c3b.addProduct(a3, b1); c3c.addProduct(a3, b2)
                    let a4 = SIMD16<Float>(repeating: ap[4]); c4a.addProduct(a4, b0); c4b.addProduct(a4, b1); c4c.addProduct(a4, b2)
                    let a5 = SIMD16<Float>(repeating: ap[5]); c5a.addProduct(a5, b0); c5b.addProduct(a5, b1); c5c.addProduct(a5, b2)
                    let a6 = SIMD16<Float>(repeating: ap[6]); c6a.addProduct(a6, b0); c6b.addProduct(a6, b1); c6c.addProduct(a6, b2)
                    let a7 = SIMD16<Float>(repeating: ap[7]); c7a.addProduct(a7, b0); c7b.addProduct(a7, b1); c7c.addProduct(a7, b2)
                    ap += rows
                    bp += 1
                }
                row += rowLength
            }
            plane += channelStride
            channelStart += perChannel
        }
        st(c0a, out + 0 * ldOut); st(c0b, out + 0 * ldOut + 16); st(c0c, out + 0 * ldOut + 32)
        st(c1a, out + 1 * ldOut); st(c1b, out + 1 * ldOut + 16); st(c1c, out + 1 * ldOut + 32)
        st(c2a, out + 2 * ldOut); st(c2b, out + 2 * ldOut + 16); st(c2c, out + 2 * ldOut + 32)
        st(c3a, out + 3 * ldOut); st(c3b, out + 3 * ldOut + 16); st(c3c, out + 3 * ldOut + 32)
        st(c4a, out + 4 * ldOut); st(c4b, out + 4 * ldOut + 16); st(c4c, out + 4 * ldOut + 32)
        st(c5a, out + 5 * ldOut); st(c5b, out + 5 * ldOut + 16); st(c5c, out + 5 * ldOut + 32)
        st(c6a, out + 6 * ldOut); st(c6b, out + 6 * ldOut + 16); st(c6c, out + 6 * ldOut + 32)
        st(c7a, out + 7 * ldOut); st(c7b, out + 7 * ldOut + 16); st(c7c, out + 7 * ldOut + 32)
    }

    /// One 8 × 3 gradient tile, kept as 16 lanes per entry: for `i < 8` rows of `dy` and the 3
    /// taps at `offsets`, `acc[(3·i + t) · 16 + l] += Σ_j dy[i · ldDy + j] · image[offsets[t] + j]`
    /// over the columns `j = l, l + 16, … < columns` of each of `samples` samples (sample `n`'s
    /// `dy` and `image` are `dyStride` and `imageStride` floats after sample `n − 1`'s).
    /// `columns` is a multiple of 16.
    @inline(__always)
    static func gradientTile(dy: UnsafePointer<Float>, ldDy: Int, dyStride: Int,
                             image: UnsafePointer<Float>, imageStride: Int, offsets: (Int, Int, Int),
                             columns: Int, samples: Int, acc: UnsafeMutablePointer<Float>) {
        @inline(__always) func ld(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        }
        var c0a = SIMD16<Float>(), c0b = c0a, c0c = c0a
        var c1a = c0a, c1b = c0a, c1c = c0a
        var c2a = c0a, c2b = c0a, c2c = c0a
        var c3a = c0a, c3b = c0a, c3c = c0a
        var c4a = c0a, c4b = c0a, c4c = c0a
        var c5a = c0a, c5b = c0a, c5c = c0a
        var c6a = c0a, c6b = c0a, c6c = c0a
        var c7a = c0a, c7b = c0a, c7c = c0a
        var dySample = dy, imageSample = image
        for _ in 0 ..< samples {
            var d = dySample
            var x0 = imageSample + offsets.0, x1 = imageSample + offsets.1, x2 = imageSample + offsets.2
            var j = 0
            while j < columns {
                let b0 = ld(x0), b1 = ld(x1), b2 = ld(x2)
                let a0 = ld(d + 0 * ldDy); c0a.addProduct(a0, b0); c0b.addProduct(a0, b1); c0c.addProduct(a0, b2)
                let a1 = ld(d + 1 * ldDy); c1a.addProduct(a1, b0); c1b.addProduct(a1, b1); c1c.addProduct(a1, b2)
                let a2 = ld(d + 2 * ldDy); c2a.addProduct(a2, b0); c2b.addProduct(a2, b1); c2c.addProduct(a2, b2)
                let a3 = ld(d + 3 * ldDy); c3a.addProduct(a3, b0); c3b.addProduct(a3, b1); c3c.addProduct(a3, b2)
                let a4 = ld(d + 4 * ldDy); c4a.addProduct(a4, b0); c4b.addProduct(a4, b1); c4c.addProduct(a4, b2)
                let a5 = ld(d + 5 * ldDy); c5a.addProduct(a5, b0); c5b.addProduct(a5, b1); c5c.addProduct(a5, b2)
                let a6 = ld(d + 6 * ldDy); c6a.addProduct(a6, b0); c6b.addProduct(a6, b1); c6c.addProduct(a6, b2)
                let a7 = ld(d + 7 * ldDy); c7a.addProduct(a7, b0); c7b.addProduct(a7, b1); c7c.addProduct(a7, b2)
                d += lanes; x0 += lanes; x1 += lanes; x2 += lanes
                j &+= lanes
            }
            dySample += dyStride
            imageSample += imageStride
        }
        @inline(__always) func add(_ v: SIMD16<Float>, _ entry: Int) {
            let p = acc + entry * lanes
            UnsafeMutableRawPointer(p).storeBytes(of: ld(p) + v, as: SIMD16<Float>.self)
        }
        add(c0a, 0); add(c0b, 1); add(c0c, 2); add(c1a, 3); add(c1b, 4); add(c1c, 5)
        add(c2a, 6); add(c2b, 7); add(c2c, 8); add(c3a, 9); add(c3b, 10); add(c3c, 11)
        add(c4a, 12); add(c4b, 13); add(c4c, 14); add(c5a, 15); add(c5b, 16); add(c5c, 17)
        add(c6a, 18); add(c6b, 19); add(c6c, 20); add(c7a, 21); add(c7b, 22); add(c7c, 23)
    }
}

extension ShiftedRows {
    /// The kernel gradient of one input channel's 5 × 5 taps for 16 kernels, kernels in the
    /// lanes: `out[(5·r + s) · 16 + l] = Σ_n Σ_{p < P, q < Q} image_n[(p + r) · rowLength + q + s]
    /// · dy_n[(p · Q + q) · laneStride + l]`, sample `n`'s image and pixel-major `dy` being
    /// `imageStride` and `dyStride` floats after sample `n − 1`'s. Only output pixels are visited
    /// (no wrapped columns), and every lane is a kernel: no work is wasted when there are 16.
    /// 25 accumulators; each step is one `dy` vector and 25 broadcasts from 5 window rows.
    @inline(__always)
    static func channelGradientTile5x5(image: UnsafePointer<Float>, imageStride: Int, rowLength: Int,
                                       dy: UnsafePointer<Float>, dyStride: Int, laneStride: Int,
                                       outputHeight: Int, outputWidth: Int, samples: Int, out: UnsafeMutablePointer<Float>) {
        @inline(__always) func ld(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        }
        @inline(__always) func st(_ v: SIMD16<Float>, _ t: Int) {
            UnsafeMutableRawPointer(out + t * lanes).storeBytes(of: v, as: SIMD16<Float>.self)
        }
        @inline(__always) func b(_ p: UnsafePointer<Float>, _ s: Int) -> SIMD16<Float> { SIMD16(repeating: p[s]) }
        var a00 = SIMD16<Float>(), a01 = a00, a02 = a00, a03 = a00, a04 = a00
        var a10 = a00, a11 = a00, a12 = a00, a13 = a00, a14 = a00
        var a20 = a00, a21 = a00, a22 = a00, a23 = a00, a24 = a00
        var a30 = a00, a31 = a00, a32 = a00, a33 = a00, a34 = a00
        var a40 = a00, a41 = a00, a42 = a00, a43 = a00, a44 = a00
        for n in 0 ..< samples {
            var d = dy + n * dyStride
            for p in 0 ..< outputHeight {
                var r0 = image + n * imageStride + p * rowLength
                for _ in 0 ..< outputWidth {
                    let g = ld(d)
                    let r1 = r0 + rowLength, r2 = r1 + rowLength, r3 = r2 + rowLength, r4 = r3 + rowLength
                    a00.addProduct(b(r0, 0), g); a01.addProduct(b(r0, 1), g); a02.addProduct(b(r0, 2), g); a03.addProduct(b(r0, 3), g); a04.addProduct(b(r0, 4), g)
                    a10.addProduct(b(r1, 0), g); a11.addProduct(b(r1, 1), g); a12.addProduct(b(r1, 2), g); a13.addProduct(b(r1, 3), g); a14.addProduct(b(r1, 4), g)
                    a20.addProduct(b(r2, 0), g); a21.addProduct(b(r2, 1), g); a22.addProduct(b(r2, 2), g); a23.addProduct(b(r2, 3), g); a24.addProduct(b(r2, 4), g)
                    a30.addProduct(b(r3, 0), g); a31.addProduct(b(r3, 1), g); a32.addProduct(b(r3, 2), g); a33.addProduct(b(r3, 3), g); a34.addProduct(b(r3, 4), g)
                    a40.addProduct(b(r4, 0), g); a41.addProduct(b(r4, 1), g); a42.addProduct(b(r4, 2), g); a43.addProduct(b(r4, 3), g); a44.addProduct(b(r4, 4), g)
                    r0 += 1
                    d += laneStride
                }
            }
        }
        st(a00, 0); st(a01, 1); st(a02, 2); st(a03, 3); st(a04, 4)
        st(a10, 5); st(a11, 6); st(a12, 7); st(a13, 8); st(a14, 9)
        st(a20, 10); st(a21, 11); st(a22, 12); st(a23, 13); st(a24, 14)
        st(a30, 15); st(a31, 16); st(a32, 17); st(a33, 18); st(a34, 19)
        st(a40, 20); st(a41, 21); st(a42, 22); st(a43, 23); st(a44, 24)
    }
}
