import Fovea

/// The per-epoch report line, for people and for programs (JSON lines and `metrics.csv`).
enum EpochLine {
    /// `epoch 1/3  train loss 0.2134 acc 93.52%  test loss 0.0512 acc 98.31%  2,531 samples/s  24.1 s  lr 0.05`,
    /// and across processes what the exchange cost (`exchange(_:steps:)`).
    /// A loss that does not classify reports MSE (on the intensity scale for an image target)
    /// and PSNR instead of accuracy: `train loss 0.0811 mse 0.00770 psnr 21.14 dB`.
    static func human(_ r: EpochReport, epochs: Int) -> String {
        func figures(_ accuracy: Double?, _ quality: ReconstructionQuality?) -> String {
            accuracy.map { " acc \(Format.percent($0))" } ?? quality.map(human) ?? ""
        }
        var text = "epoch \(r.epoch)/\(epochs)  train loss \(Format.fixed(r.trainLoss, 4))\(figures(r.trainAccuracy, r.trainReconstruction))"
        if let v = r.validation {
            text += "  val loss \(Format.fixed(v.loss, 4))\(figures(v.accuracy, v.reconstruction))"
        }
        if let t = r.test {
            text += "  test loss \(Format.fixed(t.loss, 4))\(figures(t.accuracy, t.reconstruction))"
        }
        text += "  \(Format.integer(Int(r.samplesPerSecond.rounded()))) samples/s  \(Format.fixed(r.seconds, 1)) s  lr \(Format.rate(r.learningRate))"
        return text + (r.communication.map { exchange($0, steps: r.trainedSteps) } ?? "")
    }

    /// Across processes: `  exchange 4.80 MB in, 4.80 MB out, 1.93 ms per step` (this rank's
    /// collectives during the training steps, waiting for the other ranks included).
    static func exchange(_ c: CommunicationTotals, steps: Int) -> String {
        let n = Double(max(steps, 1))
        func megabytes(_ bytes: Int) -> String { Format.fixed(Double(bytes) / n / 1e6, 2) + " MB" }
        return "  exchange \(megabytes(c.bytesReceived)) in, \(megabytes(c.bytesSent)) out, \(Format.fixed(c.seconds / n * 1000, 2)) ms per step"
    }

    /// ` mse 0.00770 psnr 21.14 dB` (no PSNR for a label target).
    static func human(_ quality: ReconstructionQuality) -> String {
        " mse \(Format.significant(quality.meanSquaredError, 3))" + (quality.psnr.map { " psnr \(Format.fixed($0, 2)) dB" } ?? "")
    }

    /// The report's fields: `epoch, train_loss, train_accuracy, test_loss, test_accuracy,
    /// [validation_loss, validation_accuracy,] samples_per_second, seconds, learning_rate`, each
    /// value as JSON number text. For a loss that does not classify, each `_accuracy` is replaced
    /// by `_mse` (on the intensity scale [0, 1] for an image target, in label units for a label
    /// target) and, for an image target, `_psnr` (dB, peak 1).
    static func fields(_ r: EpochReport) -> [(String, String)] {
        func loss(_ prefix: String, _ value: Double, _ accuracy: Double?, _ quality: ReconstructionQuality?) -> [(String, String)] {
            var fields = [(prefix + "_loss", Format.json(value))]
            if let accuracy { fields.append((prefix + "_accuracy", Format.json(accuracy))) }
            if let quality {
                fields.append((prefix + "_mse", Format.json(quality.meanSquaredError)))
                if let psnr = quality.psnr { fields.append((prefix + "_psnr", Format.json(psnr))) }
            }
            return fields
        }
        var fields: [(String, String)] = [("epoch", "\(r.epoch)")] + loss("train", r.trainLoss, r.trainAccuracy, r.trainReconstruction)
        if let t = r.test {
            fields += loss("test", t.loss, t.accuracy, t.reconstruction)
        }
        if let v = r.validation {
            fields += loss("validation", v.loss, v.accuracy, v.reconstruction)
        }
        fields += [
            ("samples_per_second", Format.fixed(r.samplesPerSecond, 1)),
            ("seconds", Format.fixed(r.seconds, 3)),
            ("learning_rate", Format.json(r.learningRate)),
        ]
        return fields
    }

    /// One JSON object with `fields(r)` and, across processes, what the exchange cost this rank
    /// per training step: `exchange_bytes_received`, `exchange_bytes_sent`, `exchange_seconds`
    /// (not in `fields`, hence not in metrics.csv, whose columns must not depend on the number
    /// of processes a run is resumed with).
    static func json(_ r: EpochReport) -> String {
        JSON.object(fields(r) + (r.communication.map { exchangeFields($0, steps: r.trainedSteps) } ?? []))
    }

    static func exchangeFields(_ c: CommunicationTotals, steps: Int) -> [(String, String)] {
        let n = Double(max(steps, 1))
        return [("exchange_bytes_received", Format.fixed(Double(c.bytesReceived) / n, 1)),
                ("exchange_bytes_sent", Format.fixed(Double(c.bytesSent) / n, 1)),
                ("exchange_seconds", Format.json(c.seconds / n))]
    }
}
