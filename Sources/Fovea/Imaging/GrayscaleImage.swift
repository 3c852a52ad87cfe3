/// An 8-bit single-channel image, `pixels [height, width]` row-major, 0 black to 255 white.
public struct GrayscaleImage: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    /// An image of `width × height` pixels (both at least 1), all of value `fill`.
    public init(width: Int, height: Int, fill: UInt8 = 0) {
        precondition(width >= 1 && height >= 1, "image of \(width)×\(height) pixels")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: fill, count: width * height)
    }

    /// An image with the given pixels, `width · height` of them.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 1 && height >= 1 && pixels.count == width * height,
                     "\(pixels.count) pixels for an image of \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public subscript(row: Int, column: Int) -> UInt8 {
        get { pixels[row * width + column] }
        set { pixels[row * width + column] = newValue }
    }
}
