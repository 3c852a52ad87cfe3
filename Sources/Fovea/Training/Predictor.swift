import Foundation

/// Class probabilities for single images, for `fovea predict`: the model in evaluation mode
/// (dropout off, batch normalization on its running statistics), the outputs turned into
/// probabilities as the network's loss reads them (`Loss.classProbabilities`: a softmax computed
/// in `Double`, max-subtracted, for softmax cross-entropy; `[1 − σ(z), σ(z)]` for binary
/// cross-entropy's one logit). Images are run in shards of
/// `Evaluator.shardCapacity` on one thread, in order; the probabilities of an image do not depend
/// on which other images share its shard (every layer treats samples independently in
/// evaluation).
public struct Predictor {
    public let model: Model

    /// The most probable classes of one image, best first.
    public struct Ranking: Hashable, Sendable {
        /// `(class, probability)` pairs in decreasing probability (the lower class first on ties).
        public let classes: [(index: Int, probability: Double)]

        public static func == (a: Ranking, b: Ranking) -> Bool {
            a.classes.map(\.index) == b.classes.map(\.index) && a.classes.map(\.probability) == b.classes.map(\.probability)
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(classes.map(\.index)) }
    }

    /// A predictor for `model`, whose loss must classify.
    public init(model: Model) throws(PredictionError) {
        guard model.network.loss.classifies else { throw PredictionError.notAClassifier(loss: model.network.loss.title) }
        self.model = model
    }

    /// The probability of every class for each of `images`, each of the model's input size
    /// (height × width, one channel: `accepts`); an image of another size is refused.
    public func probabilities(_ images: [GrayscaleImage]) throws(PredictionError) -> [[Double]] {
        let network = model.network
        let shape = network.inputShape, outputCount = network.outputCount
        if let index = images.firstIndex(where: { !accepts($0) }) {
            throw PredictionError.wrongSize(index: index, width: images[index].width, height: images[index].height, expected: shape)
        }
        let capacity = Evaluator.shardCapacity
        let workspace = NetworkWorkspace(network: network, capacity: capacity, training: false)
        let input = AlignedBuffer(count: capacity * shape.count), output = AlignedBuffer(count: capacity * outputCount)
        let labels = [UInt8](repeating: 0, count: capacity)
        var result: [[Double]] = []
        result.reserveCapacity(images.count)
        AlignedBuffer.withBaseAddresses([model.parameters, model.state, input, output]) { pointers in
            let (x, y) = (pointers[2].pointer, pointers[3].pointer)
            var start = 0
            while start < images.count {
                let batch = min(capacity, images.count - start)
                for n in 0 ..< batch {
                    images[start + n].pixels.withUnsafeBufferPointer { pixels in
                        model.normalization.normalize(pixels.baseAddress!, into: x + n * shape.count, count: shape.count)
                    }
                }
                // The loss's figures are not used; labels of 0 keep it well-defined.
                _ = labels.withUnsafeBufferPointer { labels in
                    network.evaluateShard(images: x, targets: LossTargets(labels: labels.baseAddress!, images: x, sampleSize: shape.count),
                                          batch: batch, parameters: pointers[0].pointer, state: pointers[1].pointer,
                                          workspace: workspace, output: y)
                }
                for n in 0 ..< batch {
                    result.append(network.loss.classProbabilities(output: y + n * outputCount, count: outputCount, classes: network.classes))
                }
                start += batch
            }
        }
        return result
    }

    /// Whether `image` has the model's input size.
    public func accepts(_ image: GrayscaleImage) -> Bool {
        let shape = model.network.inputShape
        return shape.channels == 1 && image.height == shape.height && image.width == shape.width
    }

    /// The `count` most probable classes of `probabilities`, best first.
    public static func ranking(_ probabilities: [Double], count: Int) -> Ranking {
        let order = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] || (probabilities[$0] == probabilities[$1] && $0 < $1) }
        return Ranking(classes: order.prefix(count).map { ($0, probabilities[$0]) })
    }

}

/// Why a checkpoint cannot be asked for class probabilities.
public enum PredictionError: Error, Hashable, Sendable, CustomStringConvertible {
    case notAClassifier(loss: String)
    /// Image `index` of a call does not have the model's input size.
    case wrongSize(index: Int, width: Int, height: Int, expected: FeatureShape)

    public var description: String {
        switch self {
        case let .notAClassifier(loss):
            "the model was trained with \(loss), which does not score classes (fovea predict needs a classifier)"
        case let .wrongSize(index, width, height, expected):
            "image \(index) is \(width)×\(height), but the model takes \(expected) (preprocess it to that size)"
        }
    }
}
