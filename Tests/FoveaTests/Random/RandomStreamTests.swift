import Testing
import Fovea

@Suite struct RandomStreamTests {
    @Test func streamsArePureFunctionsOfTheirKeys() {
        let a = RandomStream(seed: 1, purpose: .dropout, 7, 3)
        let b = RandomStream(seed: 1, purpose: .dropout, 7, 3)
        #expect((0 ..< 100).map { a.bits($0) } == (0 ..< 100).map { b.bits($0) })
        #expect(a.bits(5) != RandomStream(seed: 1, purpose: .shuffle, 7, 3).bits(5))
        #expect(a.bits(5) != RandomStream(seed: 1, purpose: .dropout, 3, 7).bits(5))
        #expect(a.bits(5) != RandomStream(seed: 2, purpose: .dropout, 7, 3).bits(5))
    }

    @Test func uniformsAreInRangeAndBalanced() {
        let stream = RandomStream(seed: 3, purpose: .initialization)
        let values = (0 ..< 20_000).map { stream.uniform(UInt64($0)) }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0, +) / Float(values.count)
        #expect(abs(mean - 0.5) < 0.01)
        let normals = (0 ..< 20_000).map { stream.normal(UInt64($0)) }
        let m = normals.reduce(0, +) / 20_000, v = normals.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 20_000
        #expect(abs(m) < 0.03 && abs(v - 1) < 0.05)
    }

    @Test(arguments: [1, 2, 10, 1000])
    func permutationIsAPermutation(count: Int) {
        let order = randomPermutation(count: count, stream: RandomStream(seed: 1, purpose: .shuffle, 0))
        #expect(order.sorted() == Array(0 ..< count))
        #expect(order == randomPermutation(count: count, stream: RandomStream(seed: 1, purpose: .shuffle, 0)))
        if count >= 10 { #expect(order != Array(0 ..< count)) }
    }

    /// The eight-lane draws are the scalar ones, bit for bit.
    @Test func uniformPairsMatchTheScalarDraws() {
        for seed: UInt64 in [0, 1, 12345, .max] {
            let stream = RandomStream(seed: seed, purpose: .dropout, 3, 7)
            for first: UInt64 in [0, 1, 8, 1_000_003, .max - 20] {
                let (even, odd) = stream.uniformPairs(from: first)
                for j in 0 ..< 8 {
                    let (u0, u1) = stream.uniformPair(first &+ UInt64(j))
                    #expect(even[j].bitPattern == u0.bitPattern && odd[j].bitPattern == u1.bitPattern)
                }
            }
        }
    }
}
