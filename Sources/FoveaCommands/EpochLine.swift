import Fovea

/// The per-epoch report line, for people and for programs (JSON lines and `metrics.csv`).
enum EpochLine {
    /// `epoch 1/3  train loss 0.2134 acc 93.52%  test loss 0.0512 acc 98.31%  2,531 samples/s  24.1 s  lr 0.05`
    /// (A loss that does not classify reports no accuracy: its `acc` parts are left out.)
    static func human(_ r: EpochReport, epochs: Int) -> String {
        func accuracy(_ value: Double?) -> String { value.map { " acc \(Format.percent($0))" } ?? "" }
        var text = "epoch \(r.epoch)/\(epochs)  train loss \(Format.fixed(r.trainLoss, 4))\(accuracy(r.trainAccuracy))"
        if let v = r.validation {
            text += "  val loss \(Format.fixed(v.loss, 4))\(accuracy(v.accuracy))"
        }
        if let t = r.test {
            text += "  test loss \(Format.fixed(t.loss, 4))\(accuracy(t.accuracy))"
        }
        return text + "  \(Format.integer(Int(r.samplesPerSecond.rounded()))) samples/s  \(Format.fixed(r.seconds, 1)) s  lr \(Format.rate(r.learningRate))"
    }

    /// The report's fields: `epoch, train_loss, train_accuracy, test_loss, test_accuracy,
    /// [validation_loss, validation_accuracy,] samples_per_second, seconds, learning_rate`, each
    /// value as JSON number text. The accuracies are left out for a loss that does not classify.
    static func fields(_ r: EpochReport) -> [(String, String)] {
        func loss(_ key: String, _ value: Double, _ accuracyKey: String, _ accuracy: Double?) -> [(String, String)] {
            [(key, Format.json(value))] + (accuracy.map { [(accuracyKey, Format.json($0))] } ?? [])
        }
        var fields: [(String, String)] = [("epoch", "\(r.epoch)")] + loss("train_loss", r.trainLoss, "train_accuracy", r.trainAccuracy)
        if let t = r.test {
            fields += loss("test_loss", t.loss, "test_accuracy", t.accuracy)
        }
        if let v = r.validation {
            fields += loss("validation_loss", v.loss, "validation_accuracy", v.accuracy)
        }
        fields += [
            ("samples_per_second", Format.fixed(r.samplesPerSecond, 1)),
            ("seconds", Format.fixed(r.seconds, 3)),
            ("learning_rate", Format.json(r.learningRate)),
        ]
        return fields
    }

    /// One JSON object with `fields(r)`.
    static func json(_ r: EpochReport) -> String {
        JSON.object(fields(r))
    }
}
