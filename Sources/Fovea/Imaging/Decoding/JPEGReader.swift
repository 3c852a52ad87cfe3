import CTurboJPEG

/// Decodes JPEG files with the system's libjpeg-turbo (TurboJPEG API): baseline and progressive,
/// any chroma subsampling, grayscale or colour, CMYK. The image comes out as 8-bit grayscale, the
/// luma (Y) channel as libjpeg-turbo computes it (ITU-R BT.601 weights), turned upright by the
/// file's EXIF orientation (phones store portrait photos sideways and record the rotation there).
///
/// libjpeg-turbo decodes what it can of a damaged file and reports a *warning* (for example
/// "Premature end of JPEG file" for a truncated one, whose bottom rows it fills with gray);
/// Fovea treats warnings as errors, since the picture it would classify is not the one on disk.
public enum JPEGReader {
    /// Reads and decodes the JPEG file at `path`.
    public static func read(_ path: String) throws -> GrayscaleImage {
        try decode(readImageFile(path, as: ImageError.unreadable), file: path)
    }

    /// Decodes the bytes of a JPEG file; `file` names it in errors.
    public static func decode(_ bytes: [UInt8], file: String) throws -> GrayscaleImage {
        guard bytes.starts(with: [0xFF, 0xD8, 0xFF]) else {
            throw ImageError.corrupt(file: file, format: "JPEG", reason: "byte 0: no JPEG start-of-image marker (ff d8 ff)")
        }
        guard let handle = tjInitDecompress() else {
            throw ImageError.corrupt(file: file, format: "JPEG", reason: "libjpeg-turbo could not start a decoder")
        }
        defer { tjDestroy(handle) }
        func failure() -> ImageError {
            .corrupt(file: file, format: "JPEG", reason: "libjpeg-turbo says \"\(String(cString: tjGetErrorStr2(handle)))\"")
        }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
        let header = bytes.withUnsafeBufferPointer { buffer in
            tjDecompressHeader3(handle, buffer.baseAddress, UInt(buffer.count), &width, &height, &subsampling, &colourspace)
        }
        guard header == 0 else { throw failure() }
        // Checked before allocating: a JPEG header may declare up to 65,535 × 65,535 pixels.
        guard width >= 1, height >= 1, Int(width) * Int(height) <= PNGFormat.maximumPixels else {
            throw ImageError.tooLarge(file: file, width: Int(width), height: Int(height))
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height))
        // TJFLAG_STOPONWARNING: a warning ends decoding with an error; TJFLAG_LIMITSCANS: refuse
        // progressive files with an absurd number of scans (a known denial-of-service pattern).
        let flags = TJFLAG_ACCURATEDCT | TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
        let status = pixels.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                tjDecompress2(handle, source.baseAddress, UInt(source.count), target.baseAddress, width, width, height,
                              Int32(TJPF_GRAY.rawValue), flags)
            }
        }
        guard status == 0 else { throw failure() }
        let image = GrayscaleImage(width: Int(width), height: Int(height), pixels: pixels)
        return ExifOrientation(jpeg: bytes).upright(image)
    }
}
