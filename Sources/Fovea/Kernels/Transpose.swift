/// Matrix transposition in 16 × 16 blocks held in vector registers.
///
/// A block is 16 `SIMD16<Float>` rows; four rounds of "zip" (row `2i` takes the interleaved
/// low halves of rows `i` and `i + 8`, row `2i + 1` their high halves) transpose it: each round
/// rotates the 8-bit (row, lane) index of every element left by one bit, and four rotations swap
/// row and lane. The zips are written with constant lane indices, which LLVM turns into
/// two-source permutes (`vpermt2ps`), not gathers or scalar moves.
enum Transpose {
    typealias Block = InlineArray<16, SIMD16<Float>>

    @inline(__always)
    static func zipLow(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3], a[4], b[4], a[5], b[5], a[6], b[6], a[7], b[7])
    }

    @inline(__always)
    static func zipHigh(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        SIMD16(a[8], b[8], a[9], b[9], a[10], b[10], a[11], b[11], a[12], b[12], a[13], b[13], a[14], b[14], a[15], b[15])
    }

    /// Transposes a block in place: lane `j` of row `i` becomes lane `i` of row `j`.
    @inline(__always)
    static func transpose(_ block: inout Block) {
        for _ in 0 ..< 4 {
            var next = Block(repeating: .zero)
            for i in 0 ..< 8 {
                next[2 &* i] = zipLow(block[i], block[i &+ 8])
                next[2 &* i &+ 1] = zipHigh(block[i], block[i &+ 8])
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
                    block[i] = load(src + ((i0 &+ i) &* channelStride &+ j0), count: blockColumns)
                }
                transpose(&block)
                var pixel = grid.cursor(at: j0)
                for j in 0 ..< 16 where j < blockColumns {
                    store(block[j], dst + (pixel.offset &+ i0), count: lanes)
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
                    block[j] = load(src + (pixel.offset &+ i0), count: blockColumns)
                    pixel.advance(grid)
                }
                transpose(&block)
                for i in 0 ..< 16 where i < blockColumns {
                    store(block[i], dst + ((i0 &+ i) &* channelStride &+ j0), count: blockRows)
                }
                j0 &+= 16
            }
            i0 &+= 16
        }
    }

    /// `count ≤ 16` floats from `p`, zero past `count`.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, count: Int) -> SIMD16<Float> {
        if count == 16 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self) }
        var v = SIMD16<Float>()
        for l in 0 ..< count { v[l] = p[l] }
        return v
    }

    /// The first `count ≤ 16` lanes of `v` to `p`.
    @inline(__always)
    static func store(_ v: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>, count: Int) {
        if count == 16 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD16<Float>.self)
            return
        }
        for l in 0 ..< count { p[l] = v[l] }
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
