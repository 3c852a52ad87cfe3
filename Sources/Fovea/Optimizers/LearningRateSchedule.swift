import Foundation

/// How the learning rate moves during training, evaluated per step (so a resumed run is on the
/// same curve as an uninterrupted one).
///
/// - `constant`: the base rate throughout.
/// - `step`: multiplied by `gamma` every `stepEpochs` epochs.
/// - `cosine`: from the base rate down to 0 along half a cosine over the whole run.
///
/// An optional linear warm-up over the first `warmupEpochs` (fractions allowed) ramps the rate
/// from `base / warm-up steps` to `base` first; the cosine then spans the steps after it.
public struct LearningRateSchedule: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case constant, step, cosine
    }

    public var kind: Kind
    public var stepEpochs: Int
    public var gamma: Double
    public var warmupEpochs: Double

    public init(kind: Kind, stepEpochs: Int = 1, gamma: Double = 0.1, warmupEpochs: Double = 0) {
        self.kind = kind
        self.stepEpochs = stepEpochs
        self.gamma = gamma
        self.warmupEpochs = warmupEpochs
    }

    public var description: String {
        var text: String
        switch kind {
        case .constant: text = "constant"
        case .step: text = "step (×\(gamma) every \(stepEpochs) epoch\(stepEpochs == 1 ? "" : "s"))"
        case .cosine: text = "cosine"
        }
        if warmupEpochs > 0 { text += ", warm-up \(warmupEpochs) epoch\(warmupEpochs == 1 ? "" : "s")" }
        return text
    }

    /// The rate for global step `step` (0-based) of a run of `totalSteps` steps with
    /// `stepsPerEpoch` steps per epoch.
    public func rate(base: Double, step: Int, stepsPerEpoch: Int, totalSteps: Int) -> Double {
        let warmupSteps = Int((warmupEpochs * Double(stepsPerEpoch)).rounded())
        if step < warmupSteps {
            return base * Double(step + 1) / Double(warmupSteps)
        }
        switch kind {
        case .constant:
            return base
        case .step:
            let epoch = step / max(stepsPerEpoch, 1)
            return base * pow(gamma, Double(epoch / max(stepEpochs, 1)))
        case .cosine:
            let span = max(totalSteps - warmupSteps, 1)
            let progress = Double(step - warmupSteps) / Double(span)
            return base * 0.5 * (1 + cos(Double.pi * min(progress, 1)))
        }
    }
}
