import Foundation

/// How the learning rate moves during training, evaluated per step (so a resumed run is on the
/// same curve as an uninterrupted one).
///
/// - `constant`: the base rate throughout.
/// - `step`: multiplied by `gamma` every `stepEpochs` epochs.
/// - `cosine`: from the base rate down to 0 along half a cosine over the whole run.
/// - `onecycle`: the one-cycle policy (Smith & Topin 2019; PyTorch's `OneCycleLR` with its
///   defaults): linearly from `base / 25` up to `base` over the first 30 % of the steps (or over
///   `warmupEpochs` when that is set), then along half a cosine down to `base / 25 / 10⁴` at the
///   last step. Suits short runs: the rise acts as warm-up, the long fall anneals.
///
/// For the other kinds, an optional linear warm-up over the first `warmupEpochs` (fractions
/// allowed) ramps the rate from `base / warm-up steps` to `base` first; the cosine then spans the
/// steps after it.
public struct LearningRateSchedule: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        case constant, step, cosine, onecycle
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
        case .onecycle: text = "one-cycle"
        }
        if warmupEpochs > 0 { text += ", warm-up \(warmupEpochs) epoch\(warmupEpochs == 1 ? "" : "s")" }
        return text
    }

    /// The rate for global step `step` (0-based) of a run of `totalSteps` steps with
    /// `stepsPerEpoch` steps per epoch.
    public func rate(base: Double, step: Int, stepsPerEpoch: Int, totalSteps: Int) -> Double {
        let warmupSteps = Int((warmupEpochs * Double(stepsPerEpoch)).rounded())
        if kind == .onecycle {
            return oneCycleRate(base: base, step: step, totalSteps: totalSteps, warmupSteps: warmupSteps)
        }
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
            return LearningRateSchedule.cosineFall(base, progress: Double(step - warmupSteps) / Double(span))
        case .onecycle:
            return oneCycleRate(base: base, step: step, totalSteps: totalSteps, warmupSteps: warmupSteps)
        }
    }

    /// The one-cycle rate: up from `base / 25` to `base` at step `peak` (the warm-up steps, or
    /// 30 % of the run), then down along half a cosine to `base / 25 / 10⁴` at step `totalSteps − 1`.
    private func oneCycleRate(base: Double, step: Int, totalSteps: Int, warmupSteps: Int) -> Double {
        let initial = base / 25, final = initial / 10_000
        let peak = max(warmupSteps > 0 ? warmupSteps : Int((0.3 * Double(totalSteps)).rounded()), 1)
        if step < peak {
            return initial + (base - initial) * Double(step) / Double(peak)
        }
        let progress = Double(step - peak) / Double(max(totalSteps - 1 - peak, 1))
        return final + LearningRateSchedule.cosineFall(base - final, progress: progress)
    }

    /// `height · (1 + cos(π · progress)) / 2`: `height` at progress 0, 0 at progress 1 and beyond.
    private static func cosineFall(_ height: Double, progress: Double) -> Double {
        height * 0.5 * (1 + cos(Double.pi * min(progress, 1)))
    }
}
