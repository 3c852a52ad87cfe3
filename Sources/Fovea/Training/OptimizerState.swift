/// What an optimizer carries from one step to the next: its per-parameter state tensors (SGD's
/// `velocity`, Adam's `m` and `v`), each as long as the parameter vector and in its order, and
/// the number of updates applied. Checkpoints save it by name; resuming restores it.
///
/// Safety (`@unchecked Sendable`): only `GradientReduction` writes the tensors, between steps,
/// each element from one thread.
public final class OptimizerState: @unchecked Sendable {
    /// The tensors' names, `Optimizer.stateNames`.
    public let names: [String]
    /// The length of each tensor.
    public let parameterCount: Int
    /// Updates applied.
    public internal(set) var step = 0
    /// Tensor `k` starts at `k · stride` (a whole number of cache lines).
    let stride: Int
    let buffer: AlignedBuffer

    /// Zero tensors named `names`, one value per parameter.
    public init(names: [String], parameterCount: Int) {
        self.names = names
        self.parameterCount = parameterCount
        stride = alignedFloatCount(parameterCount)
        buffer = AlignedBuffer(count: max(1, names.count * stride))
    }

    /// The tensors' values, in `names` order.
    public var tensors: [[Float]] {
        let values = buffer.array
        return names.indices.map { Array(values[$0 * stride ..< $0 * stride + parameterCount]) }
    }

    /// The values of the tensor called `name` (`nil` if the optimizer has none of that name).
    public func tensor(named name: String) -> [Float]? {
        guard let k = names.firstIndex(of: name) else { return nil }
        return buffer.withUnsafeBufferPointer { Array($0[k * stride ..< k * stride + parameterCount]) }
    }

    /// Restores the step count and every tensor (`tensors[k]` for `names[k]`, each of
    /// `parameterCount` values), for resuming; the caller has checked the counts.
    public func restore(step: Int, tensors: [[Float]]) {
        precondition(tensors.count == names.count && tensors.allSatisfy { $0.count == parameterCount },
                     "restoring \(tensors.map(\.count)) values into \(names.count) tensors of \(parameterCount)")
        self.step = step
        buffer.withUnsafeMutableBufferPointer { memory in
            for (k, values) in tensors.enumerated() {
                values.withUnsafeBufferPointer { source in
                    guard let base = memory.baseAddress, let from = source.baseAddress else { return }
                    (base + k * stride).update(from: from, count: parameterCount)
                }
            }
        }
    }
}
