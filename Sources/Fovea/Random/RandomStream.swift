import Foundation

/// What a random stream is for. Part of every stream's key, so that, say, the dropout draws of
/// step 7 never coincide with the shuffle of epoch 7.
public enum RandomPurpose: UInt64, Sendable {
    case initialization = 1
    case shuffle = 2
    case dropout = 3
    case augmentation = 4
    /// Synthetic data sets (`GaussianBlobs`).
    case dataset = 5
    /// Corruption of a denoising run's inputs (`InputCorruption`): training by (seed, epoch,
    /// sample), evaluation by (seed, `InputCorruption.evaluationEpoch`, sample).
    case corruption = 6
}

/// A counter-based random number generator: the `n`-th value of a stream is a pure function of
/// the stream's key and `n`, `value = mix(key + n · γ)` (the SplitMix64 construction of Steele,
/// Lea & Flood 2014, used here without the shared state).
///
/// Fovea never shares a stateful generator between threads or across steps. Each draw is keyed by
/// what it is for — `(seed, purpose, epoch/step/layer/sample…)` — so the numbers a sample sees do
/// not depend on the thread that handles it, on timing, or on what was drawn before; a resumed
/// run draws exactly what an uninterrupted one would.
public struct RandomStream: Sendable, Hashable {
    /// The stream's key, derived from the seed, the purpose and the indices.
    public let key: UInt64

    /// The golden-ratio increment of SplitMix64.
    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    /// The two multipliers of SplitMix64's finaliser (`mix`, and its eight-lane copy in
    /// `uniformPairs`).
    static let mixMultipliers: (UInt64, UInt64) = (0xBF58_476D_1CE4_E5B9, 0x94D0_49BB_1331_11EB)

    /// A stream keyed by a seed, a purpose and any number of indices (epoch, step, layer, sample…).
    public init(seed: UInt64, purpose: RandomPurpose, _ indices: UInt64...) {
        var key = RandomStream.mix(seed &+ RandomStream.gamma)
        key = RandomStream.mix(key ^ (purpose.rawValue &* RandomStream.gamma))
        for index in indices {
            key = RandomStream.mix(key ^ RandomStream.mix(index &+ RandomStream.gamma))
        }
        self.key = key
    }

    /// A stream with the given key (for deriving child streams: `stream.child(n)`).
    init(key: UInt64) { self.key = key }

    /// A stream derived from this one by one more index.
    public func child(_ index: UInt64) -> RandomStream {
        RandomStream(key: RandomStream.mix(key ^ RandomStream.mix(index &+ RandomStream.gamma)))
    }

    /// The `counter`-th 64 random bits of the stream.
    @inline(__always)
    public func bits(_ counter: UInt64) -> UInt64 {
        RandomStream.mix(key &+ (counter &+ 1) &* RandomStream.gamma)
    }

    /// A float uniform in [0, 1) from the `counter`-th draw (24 random bits).
    @inline(__always)
    public func uniform(_ counter: UInt64) -> Float {
        Float(bits(counter) >> 40) * (1.0 / 16_777_216.0)
    }

    /// Two floats uniform in [0, 1) from one 64-bit draw (24 random bits each).
    @inline(__always)
    public func uniformPair(_ counter: UInt64) -> (Float, Float) {
        let b = bits(counter)
        return (Float(b >> 40) * (1.0 / 16_777_216.0), Float((b >> 8) & 0xFF_FFFF) * (1.0 / 16_777_216.0))
    }

    /// `uniformPair` for the eight counters `first ..< first + 8`, bit for bit: lane `j` of
    /// `even` and `odd` is `uniformPair(first + j)`. Eight SplitMix64 mixes in `SIMD8<UInt64>`
    /// lanes (one AVX-512 register each).
    @inline(__always)
    public func uniformPairs(from first: UInt64) -> (even: SIMD8<Float>, odd: SIMD8<Float>) {
        let counters = SIMD8<UInt64>(1, 2, 3, 4, 5, 6, 7, 8) &+ first
        var z = SIMD8(repeating: key) &+ counters &* RandomStream.gamma
        z = (z ^ (z &>> 30)) &* RandomStream.mixMultipliers.0
        z = (z ^ (z &>> 27)) &* RandomStream.mixMultipliers.1
        z = z ^ (z &>> 31)
        let high = SIMD8<Int32>(truncatingIfNeeded: z &>> 40)
        let low = SIMD8<Int32>(truncatingIfNeeded: (z &>> 8) & 0xFF_FFFF)
        return (SIMD8<Float>(high) * (1.0 / 16_777_216.0), SIMD8<Float>(low) * (1.0 / 16_777_216.0))
    }

    /// A double uniform in (0, 1] from the `counter`-th draw (53 random bits); never 0, so its
    /// logarithm is finite.
    @inline(__always)
    public func uniformOpenClosed(_ counter: UInt64) -> Double {
        Double((bits(counter) >> 11) + 1) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// An integer uniform in `0 ..< bound` from the `counter`-th draw, by Lemire's
    /// multiply-shift: the high half of `bits × bound`. Its bias is below `bound / 2⁶⁴`
    /// (under 10⁻¹⁴ for any dataset size), so no rejection loop is needed.
    @inline(__always)
    public func integer(below bound: Int, _ counter: UInt64) -> Int {
        precondition(bound > 0, "integer(below:) needs a positive bound, got \(bound)")
        return Int(bits(counter).multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// A standard normal value from draws `2·counter` and `2·counter + 1` (Box–Muller, cosine
    /// branch), computed in `Double`.
    public func normal(_ counter: UInt64) -> Double {
        let u1 = uniformOpenClosed(2 &* counter)
        let u2 = uniformOpenClosed(2 &* counter &+ 1)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// The SplitMix64 finaliser: a bijective avalanche mix of 64 bits.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* mixMultipliers.0
        z = (z ^ (z >> 27)) &* mixMultipliers.1
        return z ^ (z >> 31)
    }
}

/// A random permutation of `0 ..< count` drawn from `stream` (Fisher–Yates, draw `i` for
/// position `i`): the same stream always gives the same order.
public func randomPermutation(count: Int, stream: RandomStream) -> [Int] {
    var order = Array(0 ..< count)
    var i = count - 1
    while i > 0 {
        let j = stream.integer(below: i + 1, UInt64(i))
        order.swapAt(i, j)
        i -= 1
    }
    return order
}
