/// A colour, 8 bits per channel (sRGB, as PNG stores it without a colour-space chunk).
public struct RGBColor: Hashable, Sendable {
    public var red: UInt8, green: UInt8, blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// The colour written `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(red: UInt8(hex >> 16 & 0xFF), green: UInt8(hex >> 8 & 0xFF), blue: UInt8(hex & 0xFF))
    }

    /// The gray of intensity `value` (0 black, 255 white).
    public init(gray value: UInt8) { self.init(red: value, green: value, blue: value) }

    public static let black = RGBColor(gray: 0)
    public static let white = RGBColor(gray: 255)

    /// The colour `fraction` of the way from `self` to `other` (`fraction` clamped to 0…1), per
    /// channel, rounded to the nearest byte.
    public func mixed(with other: RGBColor, fraction: Double) -> RGBColor {
        let t = min(max(fraction.isNaN ? 0 : fraction, 0), 1)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Double(a) + (Double(b) - Double(a)) * t).rounded()) }
        return RGBColor(red: mix(red, other.red), green: mix(green, other.green), blue: mix(blue, other.blue))
    }

    /// Relative luminance on the byte scale (ITU-R BT.601 weights, as `GrayscaleImage` uses), for
    /// choosing a legible text colour over a fill.
    public var luma: Double { 0.299 * Double(red) + 0.587 * Double(green) + 0.114 * Double(blue) }
}

/// An 8-bit colour image, `pixels [height, width, 3]` row-major (red, green, blue per pixel).
/// Fovea draws its pictures into one (`RGBImage+Drawing.swift`) and writes it with `PNGWriter`.
public struct RGBImage: Hashable, Sendable {
    public let width: Int
    public let height: Int
    /// Red, green, blue of each pixel, rows top to bottom, pixels left to right.
    public var pixels: [UInt8]

    /// An image of `width × height` pixels (both at least 1) of colour `fill`.
    public init(width: Int, height: Int, fill: RGBColor = .white) {
        precondition(width >= 1 && height >= 1, "image of \(width)×\(height) pixels")
        self.width = width
        self.height = height
        pixels = [UInt8](unsafeUninitializedCapacity: width * height * 3) { buffer, count in
            for index in 0 ..< width * height {
                buffer[3 * index] = fill.red
                buffer[3 * index + 1] = fill.green
                buffer[3 * index + 2] = fill.blue
            }
            count = width * height * 3
        }
    }

    /// An image with the given interleaved pixels, `3 · width · height` bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 1 && height >= 1 && pixels.count == 3 * width * height,
                     "\(pixels.count) bytes for an RGB image of \(width)×\(height)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The colour image of a grayscale one.
    public init(_ gray: GrayscaleImage) {
        self.init(width: gray.width, height: gray.height, pixels: gray.pixels.flatMap { [$0, $0, $0] })
    }

    /// The pixel in `row` (from the top) and `column` (from the left); both must be in range.
    public subscript(row: Int, column: Int) -> RGBColor {
        get {
            let index = 3 * (row * width + column)
            return RGBColor(red: pixels[index], green: pixels[index + 1], blue: pixels[index + 2])
        }
        set {
            let index = 3 * (row * width + column)
            pixels[index] = newValue.red
            pixels[index + 1] = newValue.green
            pixels[index + 2] = newValue.blue
        }
    }

    /// Whether `(row, column)` lies inside the image.
    @inlinable public func contains(row: Int, column: Int) -> Bool {
        row >= 0 && row < height && column >= 0 && column < width
    }
}
