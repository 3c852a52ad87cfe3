import Testing
import Fovea

/// `GradientNorm`: the sum of squares of the shards' summed gradient, in one fixed order that no
/// thread count changes, NaN or infinite exactly when an element is.
@Suite struct GradientNormTests {
    /// `shards` gradient buffers of `count` values in about [-scale, scale).
    static func gradients(count: Int, shards: Int, scale: Float = 1, seed: UInt64 = 3) -> [AlignedBuffer] {
        (0 ..< shards).map { shard in
            let buffer = AlignedBuffer(count: count)
            buffer.assign(testValues(count, seed: seed &+ UInt64(shard)).map { $0 * scale })
            return buffer
        }
    }

    /// The shards' sum per element, in shard order, in `Float` (what the optimizer is handed).
    static func summed(_ gradients: [AlignedBuffer]) -> [Float] {
        let arrays = gradients.map(\.array)
        return (0 ..< arrays[0].count).map { i in arrays.dropFirst().reduce(arrays[0][i]) { $0 + $1[i] } }
    }

    /// The documented order, written out one element at a time: blocks of 2048, 16 running sums
    /// per block by position, added from 0 to 15, blocks added in order.
    static func documentedOrder(_ values: [Float]) -> Double {
        var total: Double = 0
        var start = 0
        while start < values.count {
            var lanes = [Double](repeating: 0, count: 16)
            for i in 0 ..< min(2048, values.count - start) {
                let v = Double(values[start + i])
                lanes[i % 16] += v * v
            }
            total += lanes.reduce(0, +)
            start += 2048
        }
        return total
    }

    /// The sum of squares is a naive `Double` sum up to the rounding of a different order, and
    /// exactly (bit for bit) the documented order, for any thread count: within one block, over
    /// several blocks with a ragged end, and above the size where the pass goes parallel.
    @Test(arguments: [(37, 1), (2048, 2), (3 * 2048 + 37, 3), (40_005, 2), (40_005, 4)])
    func normIsTheNaiveSumInAFixedOrder(count: Int, shards: Int) {
        let gradients = GradientNormTests.gradients(count: count, shards: shards)
        let values = GradientNormTests.summed(gradients)
        let naive = values.reduce(0.0) { $0 + Double($1) * Double($1) }
        let norm = GradientNorm(parameterCount: count, threads: 8)
        let squares = norm.sumOfSquares(gradients, shards: shards, threads: 1)
        #expect(abs(squares - naive) <= 1e-12 * naive, "\(squares) vs naive \(naive)")
        #expect(squares.bitPattern == GradientNormTests.documentedOrder(values).bitPattern)
        for threads in [2, 3, 8] {
            #expect(norm.sumOfSquares(gradients, shards: shards, threads: threads).bitPattern == squares.bitPattern, "threads \(threads)")
        }
        #expect(norm.firstNonFinite(gradients, shards: shards) == nil)
    }

    /// Only the first `shards` buffers count.
    @Test func normReadsOnlyTheShardsOfTheBatch() {
        let gradients = GradientNormTests.gradients(count: 5000, shards: 3)
        let norm = GradientNorm(parameterCount: 5000, threads: 2)
        let twoShards = GradientNormTests.documentedOrder(GradientNormTests.summed(Array(gradients.prefix(2))))
        #expect(norm.sumOfSquares(gradients, shards: 2, threads: 2) == twoShards)
    }

    /// A NaN or an infinity anywhere in the summed gradient makes the sum of squares NaN or
    /// infinite, and `firstNonFinite` finds it; huge finite values do not (their squares
    /// overflow a `Float`, not the `Double` sum), but two that overflow when summed do.
    @Test func nonFiniteElementsAreFound() {
        let count = 40_005
        let norm = GradientNorm(parameterCount: count, threads: 2)
        for (index, shard, value) in [(0, 0, Float.nan), (40_004, 1, .infinity), (20_000, 1, -.infinity), (2047, 0, .nan)] {
            let gradients = GradientNormTests.gradients(count: count, shards: 2)
            gradients[shard].withUnsafeMutableBufferPointer { $0[index] = value }
            let squares = norm.sumOfSquares(gradients, shards: 2, threads: 2)
            #expect(value.isNaN ? squares.isNaN : squares == .infinity, "\(value) at \(index): \(squares)")
            let found = norm.firstNonFinite(gradients, shards: 2)
            #expect(found?.index == index && (found?.value.isNaN == value.isNaN), "\(value) at \(index)")
        }
        // +inf in one shard, -inf in the other: the sum is NaN.
        let opposite = GradientNormTests.gradients(count: count, shards: 2)
        opposite[0].withUnsafeMutableBufferPointer { $0[123] = .infinity }
        opposite[1].withUnsafeMutableBufferPointer { $0[123] = -.infinity }
        #expect(norm.sumOfSquares(opposite, shards: 2, threads: 1).isNaN)
        #expect(norm.firstNonFinite(opposite, shards: 2)?.index == 123)

        let huge = GradientNormTests.gradients(count: 4096, shards: 2)
        for buffer in huge { buffer.assign([Float](repeating: 3e38, count: 4096)) }
        let hugeNorm = GradientNorm(parameterCount: 4096, threads: 2)
        let squares = hugeNorm.sumOfSquares(huge, shards: 1, threads: 1)
        let exact = 4096 * Double(Float(3e38)) * Double(Float(3e38))
        #expect(squares.isFinite && abs(squares - exact) <= 1e-12 * exact)
        #expect(hugeNorm.sumOfSquares(huge, shards: 2, threads: 1) == .infinity)  // 3e38 + 3e38 overflows a Float
        #expect(hugeNorm.firstNonFinite(huge, shards: 2)?.index == 0)
    }
}
