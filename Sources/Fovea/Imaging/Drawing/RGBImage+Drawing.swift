/// Drawing into an `RGBImage`: the few primitives Fovea's pictures are made of (rectangles,
/// lines, text in `BitmapFont`, grayscale images enlarged by nearest neighbour). Coordinates are
/// pixels, x to the right and y down from the top-left corner; whatever falls outside the image
/// is clipped, so callers may draw near the edges without checks.
extension RGBImage {
    /// Fills the rectangle of `width × height` pixels whose top-left pixel is `(x, y)`.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, color: RGBColor) {
        let left = max(x, 0), right = min(x + max(width, 0), self.width)
        let top = max(y, 0), bottom = min(y + max(height, 0), self.height)
        guard left < right && top < bottom else { return }
        for row in top ..< bottom {
            for column in left ..< right { self[row, column] = color }
        }
    }

    /// Draws the one-pixel outline of the rectangle of `width × height` pixels at `(x, y)`.
    public mutating func stroke(x: Int, y: Int, width: Int, height: Int, color: RGBColor) {
        guard width > 0 && height > 0 else { return }
        fill(x: x, y: y, width: width, height: 1, color: color)
        fill(x: x, y: y + height - 1, width: width, height: 1, color: color)
        fill(x: x, y: y, width: 1, height: height, color: color)
        fill(x: x + width - 1, y: y, width: 1, height: height, color: color)
    }

    /// Sets one pixel, if it lies inside the image.
    public mutating func plot(x: Int, y: Int, color: RGBColor) {
        if contains(row: y, column: x) { self[y, x] = color }
    }

    /// Draws the line from `(x0, y0)` to `(x1, y1)`, both ends included (Bresenham's algorithm:
    /// exactly one pixel per step along the major axis), `thickness` pixels wide (a square pen).
    public mutating func line(from x0: Int, _ y0: Int, to x1: Int, _ y1: Int, color: RGBColor, thickness: Int = 1) {
        let pen = max(thickness, 1), offset = (pen - 1) / 2
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let stepX = x0 < x1 ? 1 : -1, stepY = y0 < y1 ? 1 : -1
        var (x, y, error) = (x0, y0, dx + dy)
        while true {
            if pen == 1 { plot(x: x, y: y, color: color) } else { fill(x: x - offset, y: y - offset, width: pen, height: pen, color: color) }
            if x == x1 && y == y1 { return }
            let doubled = 2 * error
            if doubled >= dy { error += dy; x += stepX }
            if doubled <= dx { error += dx; y += stepY }
        }
    }

    /// Draws `text` in `BitmapFont` with its top-left corner at `(x, y)`, each font pixel a
    /// `scale × scale` square of `color`; the background is left as it is.
    public mutating func draw(text: String, x: Int, y: Int, color: RGBColor, scale: Int = 1) {
        let scale = max(scale, 1)
        for (index, character) in text.enumerated() {
            let glyph = BitmapFont.glyph(character)
            let left = x + index * BitmapFont.advance * scale
            for (row, mask) in glyph.enumerated() {
                for column in 0 ..< BitmapFont.glyphWidth where mask & (1 << (4 - column)) != 0 {
                    fill(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
        }
    }

    /// Draws `image` with its top-left corner at `(x, y)`, each of its pixels a `zoom × zoom`
    /// square (nearest-neighbour enlargement).
    public mutating func draw(_ image: GrayscaleImage, x: Int, y: Int, zoom: Int = 1) {
        let zoom = max(zoom, 1)
        for row in 0 ..< image.height {
            for column in 0 ..< image.width {
                fill(x: x + column * zoom, y: y + row * zoom, width: zoom, height: zoom, color: RGBColor(gray: image[row, column]))
            }
        }
    }
}
