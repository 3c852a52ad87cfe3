/// The largest tensor a model spec may ask for. Spec arguments are user input, so every size
/// built from them is checked against this before anything is computed from it; sizes derived
/// from checked ones (times a batch, a kernel's taps) then stay far from `Int` overflow.
public enum TensorSize {
    /// Values of one tensor, at most: a layer's per-sample output, one parameter tensor, one
    /// state tensor. 2³¹, 8 GiB as float32.
    public static let limit = 1 << 31

    /// The product of `dimensions`, or `nil` if a dimension is negative or the product exceeds
    /// `limit` (computed without overflow).
    public static func count(_ dimensions: [Int]) -> Int? {
        var product = 1
        for dimension in dimensions {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            guard !overflow, next <= limit else { return nil }
            product = next
        }
        return product
    }

    /// Throws `.tooLarge` unless `count(dimensions)` is within the limit; `tensor` names it in
    /// the message ("output", "weight").
    public static func require(_ dimensions: [Int], tensor: String) throws(LayerBuildError) {
        guard count(dimensions) != nil else { throw .tooLarge(tensor: tensor, dimensions: dimensions) }
    }
}
