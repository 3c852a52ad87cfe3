/// Calls `body(start, length)` for consecutive chunks of `size` items out of `count` (the last
/// one shorter): the kernels' groups of samples and blocks of 16 channels.
@inline(__always)
func forEachChunk(of count: Int, size: Int, _ body: (_ start: Int, _ length: Int) -> Void) {
    var start = 0
    while start < count {
        let length = min(size, count - start)
        body(start, length)
        start += length
    }
}
