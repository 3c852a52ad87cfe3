/// Matrix transposition in 16 × 16 blocks held in vector registers (`VectorBlock.transposed`),
/// between a channel-major layout (`[C, pixels]`, as NCHW tensors are) and a pixel-major one
/// (channels innermost, as the Winograd transforms want). The shuffles are written with
/// constant lane indices, which LLVM turns into two-source permutes (`vpermt2ps`), not gathers
/// or scalar moves.
enum Transpose {
    /// Channel-major to pixel-major: `dst[grid.offset(j) + i] = src[i · channelStride + j]` for
    /// channels `i < channels` and pixels `j < grid.pixels` (pixel `j` of a `[C, H, W]` image
    /// is `h · W + w`, consecutive in `src`).
    ///
    /// With `fillLanes`, each pixel's run is written as whole vectors of 16 (`channels` rounded
    /// up to 16, the lanes past `channels` zero), so the destination must have that room;
    /// without it, exactly `channels` values per pixel are written.
    static func channelsToPixels(_ src: UnsafePointer<Float>, channelStride: Int, channels: Int,
                                 into dst: UnsafeMutablePointer<Float>, grid: PixelGrid, fillLanes: Bool) {
        // Channel blocks outer, pixel blocks inner: 16 sequential read streams at a time.
        var i0 = 0
        while i0 < channels {
            let blockRows = min(16, channels &- i0)
            let lanes = fillLanes ? 16 : blockRows
            var j0 = 0
            while j0 < grid.pixels {
                let blockColumns = min(16, grid.pixels &- j0)
                var pixel = grid.cursor(at: j0)
                if blockRows == 16 && blockColumns == 16 {
                    // A full block: no per-row bounds.
                    let block = VectorBlock { i in VectorLanes.load(src + ((i0 &+ i) &* channelStride &+ j0)) }
                    block.transposed.forEach { _, row in
                        VectorLanes.store(row, dst + (pixel.offset &+ i0))
                        pixel.advance(grid)
                    }
                } else {
                    let block = VectorBlock { i in
                        i < blockRows ? VectorLanes.load(src + ((i0 &+ i) &* channelStride &+ j0), count: blockColumns) : .zero
                    }
                    block.transposed.forEach { j, row in
                        guard j < blockColumns else { return }
                        VectorLanes.store(row, dst + (pixel.offset &+ i0), count: lanes)
                        pixel.advance(grid)
                    }
                }
                j0 &+= 16
            }
            i0 &+= 16
        }
    }

    /// Pixel-major to channel-major, the inverse of `channelsToPixels`:
    /// `dst[i · channelStride + j] = src[grid.offset(j) + i]`.
    static func pixelsToChannels(_ src: UnsafePointer<Float>, grid: PixelGrid, channels: Int,
                                 into dst: UnsafeMutablePointer<Float>, channelStride: Int) {
        var i0 = 0
        while i0 < channels {
            let blockColumns = min(16, channels &- i0)
            var j0 = 0
            while j0 < grid.pixels {
                let blockRows = min(16, grid.pixels &- j0)
                var pixel = grid.cursor(at: j0)
                if blockRows == 16 && blockColumns == 16 {
                    // A full block: no per-row bounds.
                    let block = VectorBlock { _ in
                        defer { pixel.advance(grid) }
                        return VectorLanes.load(src + (pixel.offset &+ i0))
                    }
                    block.transposed.forEach { i, row in VectorLanes.store(row, dst + ((i0 &+ i) &* channelStride &+ j0)) }
                } else {
                    let block = VectorBlock { j in
                        guard j < blockRows else { return .zero }
                        defer { pixel.advance(grid) }
                        return VectorLanes.load(src + (pixel.offset &+ i0), count: blockColumns)
                    }
                    block.transposed.forEach { i, row in
                        guard i < blockColumns else { return }
                        VectorLanes.store(row, dst + ((i0 &+ i) &* channelStride &+ j0), count: blockRows)
                    }
                }
                j0 &+= 16
            }
            i0 &+= 16
        }
    }
}

/// Where the pixels of an `H × W` image lie in a pixel-major buffer: pixel `(h, w)` (index
/// `h · W + w`) starts at `origin + h · rowStride + w · pixelStride` floats.
struct PixelGrid {
    let height: Int, width: Int
    let origin: Int, rowStride: Int, pixelStride: Int

    var pixels: Int { height * width }

    /// Walks the pixels in index order without divisions.
    struct Cursor {
        var w: Int
        var offset: Int

        @inline(__always)
        mutating func advance(_ grid: PixelGrid) {
            w &+= 1
            offset &+= grid.pixelStride
            if w == grid.width {
                w = 0
                offset &+= grid.rowStride &- grid.width &* grid.pixelStride
            }
        }
    }

    @inline(__always)
    func cursor(at pixel: Int) -> Cursor {
        let h = pixel / width, w = pixel % width
        return Cursor(w: w, offset: origin + h * rowStride + w * pixelStride)
    }
}
