/// A float32 tensor: a shape and its values, contiguous in row-major order (NCHW for images,
/// `[out, in]` for dense weights, `[K, C, R, S]` for convolution kernels).
///
/// This is the value type of Fovea's public API (parameters, inputs and outputs of
/// `Network.predict`). The training loop itself works on preallocated workspaces, not on
/// `Tensor`s, so that its hot loops allocate nothing.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    /// A tensor of the given shape and values; `scalars.count` must equal the product of `shape`.
    public init(shape: [Int], scalars: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) values, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of values, the product of `shape`.
    public var count: Int { scalars.count }

    /// The value at a multi-dimensional index (one entry per dimension).
    public subscript(_ index: Int...) -> Float {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for a tensor of shape \(shape)")
        var flat = 0
        for (i, dim) in zip(index, shape) {
            precondition(i >= 0 && i < dim, "index \(index) out of range for shape \(shape)")
            flat = flat * dim + i
        }
        return flat
    }
}
