extension ImageSet {
    /// Sample `i` of this set as a picture: its bytes as stored in the IDX file (0…255, the
    /// intensities before normalisation; MNIST digits are white on black).
    public func image(_ i: Int) -> GrayscaleImage {
        precondition(i >= 0 && i < count, "image \(i) of a set of \(count)")
        let size = height * width
        return withPixels { pixels in
            GrayscaleImage(width: width, height: height, pixels: Array(pixels[i * size ..< (i + 1) * size]))
        }
    }
}
