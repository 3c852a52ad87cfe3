import CPNG
import Foundation

/// Decodes PNG files with the system's libpng (its simplified `png_image` API): every colour type
/// and bit depth the standard allows (grayscale, truecolour, palette, with or without alpha, 1 to
/// 16 bits), interlaced or not. libpng checks every critical chunk's CRC and the image data
/// stream; whatever it refuses is a `PNGError.corrupt` carrying libpng's own message (which names
/// the chunk). Output is 8 bits per channel in sRGB, as libpng converts it: 16-bit samples are
/// reduced (taken as sRGB when the file has no gAMA or sRGB chunk), palettes expanded, colour reduced to gray by libpng's sRGB luminance, and
/// transparent pixels composited onto white (how viewers show a drawing with a transparent
/// background).
public enum PNGReader {
    /// Reads and decodes the PNG file at `path` as grayscale.
    public static func read(_ path: String) throws -> GrayscaleImage {
        try decode(readImageFile(path, as: PNGError.unreadable), file: path)
    }

    /// Reads and decodes the PNG file at `path` as colour.
    public static func readRGB(_ path: String) throws -> RGBImage {
        try decodeRGB(readImageFile(path, as: PNGError.unreadable), file: path)
    }

    /// Decodes the bytes of a PNG file as grayscale; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> GrayscaleImage {
        let (width, height, pixels) = try decode(bytes, file: file, format: UInt32(PNG_FORMAT_GRAY), channels: 1)
        return GrayscaleImage(width: width, height: height, pixels: pixels)
    }

    /// Decodes the bytes of a PNG file as colour (`PNG_FORMAT_RGB`); `file` names it in errors.
    public static func decodeRGB(_ bytes: [UInt8], file: String) throws -> RGBImage {
        let (width, height, pixels) = try decode(bytes, file: file, format: UInt32(PNG_FORMAT_FLAG_COLOR), channels: 3)
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// The image as `channels` bytes per pixel in libpng's output `format`.
    private static func decode(_ bytes: [UInt8], file: String, format: UInt32, channels: Int) throws -> (Int, Int, [UInt8]) {
        guard bytes.starts(with: PNGFormat.signature) else { throw PNGError.notPNG(file: file) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        // png_image_free releases what begin_read allocated; finish_read frees it itself, and a
        // second free is harmless (libpng clears `opaque`).
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw PNGError.corrupt(file: file, reason: message(of: image)) }
        let (width, height) = (Int(image.width), Int(image.height))
        // Checked before allocating: a crafted header may declare up to 2³¹ × 2³¹ pixels.
        let (pixelCount, overflow) = width.multipliedReportingOverflow(by: height)
        guard width >= 1, height >= 1, !overflow, pixelCount <= PNGFormat.maximumPixels else {
            throw PNGError.tooLarge(file: file, width: width, height: height)
        }
        // Nor more pixels than the file's bytes can hold: deflate shrinks data at most 1032:1,
        // and a pixel takes at least one bit (8 per byte at bit depth 1).
        guard pixelCount / 8 <= bytes.count * PNGFormat.maximumDeflateRatio else {
            throw PNGError.corrupt(file: file, reason: "IHDR declares \(width)×\(height) pixels, more than \(bytes.count) bytes can hold")
        }
        image.format = format
        // A 16-bit file without a gAMA or sRGB chunk is taken as sRGB-encoded, as the files of
        // scanners and editors are in practice (libpng would otherwise take it as linear light).
        image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        var white = png_color(red: 255, green: 255, blue: 255)
        let finished = pixels.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, &white, buffer.baseAddress, Int32(width * channels), nil)
        }
        guard finished != 0 else { throw PNGError.corrupt(file: file, reason: message(of: image)) }
        return (width, height, pixels)
    }

    /// libpng's message in `image` (a NUL-terminated string of at most 63 bytes).
    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "libpng refused the file" : text
        }
    }
}

/// The whole file at `path`, or `failure(path, reason)` if it cannot be read. Refuses anything
/// larger than `maximumImageFileBytes` before reading it.
func readImageFile<E: Error>(_ path: String, as failure: (String, String) -> E) throws(E) -> [UInt8] {
    var status = stat()
    guard stat(path, &status) == 0 else { throw failure(path, String(cString: strerror(errno))) }
    guard status.st_mode & S_IFMT == S_IFREG else { throw failure(path, "not a regular file") }
    guard status.st_size <= maximumImageFileBytes else {
        throw failure(path, "\(status.st_size) bytes; Fovea reads image files of at most \(maximumImageFileBytes >> 20) MiB")
    }
    guard let data = FileManager.default.contents(atPath: path) else { throw failure(path, "not readable") }
    return [UInt8](data)
}

/// The largest image file Fovea reads, 256 MiB (a guard against reading a huge file by mistake).
let maximumImageFileBytes = 256 << 20
