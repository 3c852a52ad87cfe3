/// The random affine step of augmentation: draws one `AffineTransform` per sample, each
/// parameter uniform in its symmetric range (`AugmentationConfiguration`).
///
/// Draws (from the sample's affine stream): pair 0 → rotation and scale, pair 1 → shear and
/// horizontal shift, draw 2 → vertical shift.
public struct RandomAffine: Hashable, Sendable {
    /// Largest shift in pixels, rotation in degrees, relative size change, shear in degrees.
    public let translation: Double, rotation: Double, scale: Double, shear: Double

    public init(translation: Double, rotation: Double, scale: Double, shear: Double) {
        self.translation = translation
        self.rotation = rotation
        self.scale = scale
        self.shear = shear
    }

    public init(_ configuration: AugmentationConfiguration) {
        self.init(translation: configuration.translation, rotation: configuration.rotation,
                  scale: configuration.scale, shear: configuration.shear)
    }

    /// The transform of the sample whose affine draws come from `stream`, for an image of
    /// `height × width` pixels.
    public func transform(stream: RandomStream, height: Int, width: Int) -> AffineTransform {
        // A uniform u in [0, 1) becomes a value in [−range, range).
        func symmetric(_ u: Float, _ range: Double) -> Double { range * (2 * Double(u) - 1) }
        let (rotationDraw, scaleDraw) = stream.uniformPair(0)
        let (shearDraw, shiftXDraw) = stream.uniformPair(1)
        let shiftYDraw = stream.uniform(2)
        return AffineTransform(rotationDegrees: symmetric(rotationDraw, rotation), scale: 1 + symmetric(scaleDraw, scale),
                               shearDegrees: symmetric(shearDraw, shear), translationX: symmetric(shiftXDraw, translation),
                               translationY: symmetric(shiftYDraw, translation), height: height, width: width)
    }
}
