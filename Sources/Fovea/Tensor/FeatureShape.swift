/// The shape of one sample's features, `[C, H, W]` (channels, height, width). A batch of them is
/// an `[N, C, H, W]` tensor, stored contiguously in NCHW order. Flat features (after `flatten` or
/// `dense`) are `[C, 1, 1]`.
public struct FeatureShape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// A flat feature vector of `count` values, `[count, 1, 1]`.
    public static func flat(_ count: Int) -> FeatureShape {
        FeatureShape(channels: count, height: 1, width: 1)
    }

    /// Values per sample, `C · H · W`.
    public var count: Int { channels * height * width }

    /// Whether this is a flat vector, `[C, 1, 1]`.
    public var isFlat: Bool { height == 1 && width == 1 }

    /// `[C, H, W]`, or `[C]` for flat features.
    public var description: String {
        isFlat ? "[\(channels)]" : "[\(channels), \(height), \(width)]"
    }
}
