/// Inverted dropout: in training each value is kept with probability `1 − rate` and scaled by
/// `1 / (1 − rate)`, else zeroed; in evaluation it is the identity.
///
/// The keep/drop draw of value `i` of the sample at batch position `b` in training step `t` is
/// `RandomStream(seed, .dropout, t, layer).child(b).uniform…(i)`: independent of threads and
/// shards, and the same again when a run is resumed. The mask (0 or the scale) is cached for
/// the backward pass, `dx = dy · mask`.
public struct Dropout: RegisteredLayer {
    public let shape: FeatureShape
    /// Probability of dropping a value, in [0, 1).
    public let rate: Double

    public init(shape: FeatureShape, rate: Double) {
        self.shape = shape
        self.rate = rate
    }

    public static let token = "dropout"
    public static let identifier = "dropout"
    public static let meaning = "inverted dropout, drop probability P in training, identity in evaluation"
    public static let arguments: [LayerArgument] = [
        .positional("rate", placeholder: "P", .real(.closedOpen(0, 1)), describedAs: "the dropout rate"),
    ]

    public static func make(_ arguments: LayerArguments, input: LayerInput) throws(LayerBuildError) -> Dropout {
        Dropout(shape: input.shape, rate: arguments.real("rate"))
    }

    public var argumentValues: LayerArguments { ["rate": .real(rate)] }
    public var inputShape: FeatureShape { shape }
    public var outputShape: FeatureShape { shape }
    /// Dropout drops values and rescales the rest: the walk for the initialisation gain goes on
    /// past it.
    public var initializationRole: InitializationRole { .transparent }

    public func cacheCount(batch: Int) -> Int { batch * shape.count }

    public func forward(_ pass: LayerForward) {
        let count = shape.count
        guard pass.training, rate > 0 else {
            pass.output.update(from: pass.input, count: pass.batch * count)
            if pass.training { pass.cache.update(repeating: 1, count: pass.batch * count) }
            return
        }
        let keep = Float(1 - rate)
        let scale = 1 / keep
        for n in 0 ..< pass.batch {
            let stream = pass.random.child(UInt64(pass.firstPosition + n))
            let x = pass.input + n * count, y = pass.output + n * count, mask = pass.cache + n * count
            var i = 0
            // 16 values at a time from 8 draws (the same draws and values as the loop below).
            while i + 16 <= count {
                let (even, odd) = stream.uniformPairs(from: UInt64(i / 2))
                let zero = SIMD8<Float>(), kept = SIMD8<Float>(repeating: scale)
                let m0 = zero.replacing(with: kept, where: even .< keep), m1 = zero.replacing(with: kept, where: odd .< keep)
                let m = VectorLanes.zipLow(SIMD16(lowHalf: m0, highHalf: m0), SIMD16(lowHalf: m1, highHalf: m1))
                VectorLanes.store(m, mask + i)
                VectorLanes.store(VectorLanes.load(x + i) * m, y + i)
                i += 16
            }
            while i < count {
                let (u0, u1) = stream.uniformPair(UInt64(i / 2))
                mask[i] = u0 < keep ? scale : 0
                y[i] = x[i] * mask[i]
                if i + 1 < count {
                    mask[i + 1] = u1 < keep ? scale : 0
                    y[i + 1] = x[i + 1] * mask[i + 1]
                }
                i += 2
            }
        }
    }

    public func backward(_ pass: LayerBackward) {
        guard let dInput = pass.dInput else { return }
        Elementwise.multiply(pass.dOutput, pass.cache, into: dInput, count: pass.batch * shape.count)
    }
}
