/// Matrix transposition in 16 × 16 blocks held in vector registers.
///
/// A block is 16 `SIMD16<Float>` rows; four rounds of "zip" (row `2i` takes the interleaved
/// low halves of rows `i` and `i + 8`, row `2i + 1` their high halves) transpose it: each round
/// rotates the 8-bit (row, lane) index of every element left by one bit, and four rotations swap
/// row and lane. The zips are written with constant lane indices, which LLVM turns into
/// two-source permutes (`vpermt2ps`), not gathers or scalar moves.
enum Transpose {
    typealias Block = InlineArray<16, SIMD16<Float>>

    /// Transposes a block in place: lane `j` of row `i` becomes lane `i` of row `j`.
    @inline(__always)
    static func transpose(_ block: inout Block) {
        for _ in 0 ..< 4 {
            var next = Block(repeating: .zero)
            for i in 0 ..< 8 {
                next[2 &* i] = VectorLanes.zipLow(block[i], block[i &+ 8])
                next[2 &* i &+ 1] = VectorLanes.zipHigh(block[i], block[i &+ 8])
            }
            block = next
        }
    }

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
                // Constant trip counts, so that the block stays in registers.
                var block = Block(repeating: .zero)
                for i in 0 ..< 16 where i < blockRows {
                    block[i] = VectorLanes.load(src + ((i0 &+ i) &* channelStride &+ j0), count: blockColumns)
                }
                transpose(&block)
                var pixel = grid.cursor(at: j0)
                for j in 0 ..< 16 where j < blockColumns {
                    VectorLanes.store(block[j], dst + (pixel.offset &+ i0), count: lanes)
                    pixel.advance(grid)
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
                var block = Block(repeating: .zero)
                var pixel = grid.cursor(at: j0)
                for j in 0 ..< 16 where j < blockRows {
                    block[j] = VectorLanes.load(src + (pixel.offset &+ i0), count: blockColumns)
                    pixel.advance(grid)
                }
                transpose(&block)
                for i in 0 ..< 16 where i < blockColumns {
                    VectorLanes.store(block[i], dst + ((i0 &+ i) &* channelStride &+ j0), count: blockRows)
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
