import ArgumentParser
import Fovea

/// What `fovea train` and `fovea lr-find` share beyond their option declarations: the ranges of
/// the flags both take, the held-out split of the training images, and the batch size that fits
/// the set. One place, so that the two commands train on exactly the same samples and refuse
/// the same values with the same words.
enum TrainingFlags {
    /// `validate()`'s checks of the shared flags (each one sentence naming the flag).
    static func check(batchSize: Int?, threads: Int?, limit: Int?, validation: Int?, classes: Int?,
                      clipGradNorm: Double?, memoryBudget: Double?, loss: String?) throws {
        try require((batchSize ?? 1) >= 1, "--batch-size must be at least 1, got \(batchSize ?? 0)")
        try require(memoryBudget.map { $0.isFinite && $0 > 0 } ?? true, "--memory-budget must be a finite number of GiB > 0, got \(memoryBudget ?? 0)")
        try require(clipGradNorm.map(GradientClipping.accepts) ?? true,
                    "--clip-grad-norm: must be \(GradientClipping.requirement), got \(clipGradNorm ?? 0)")
        try require((threads ?? 1) >= 1, "--threads must be at least 1, got \(threads ?? 0)")
        try require((limit ?? 1) >= 1, "--limit must be at least 1, got \(limit ?? 0)")
        try require((validation ?? 0) >= 0, "--validation must be 0 or more, got \(validation ?? 0)")
        try require((2 ... 256).contains(classes ?? 10), "--classes must be in 2…256, got \(classes ?? 0)")
        if let loss {
            guard let kind = LossRegistry.kind(option: loss) else {
                throw ValidationError("--loss must be one of \(LossRegistry.options), got '\(loss)'")
            }
            if let fixed = kind.classCount, let classes, classes != fixed {
                throw ValidationError("--classes \(classes): --loss \(loss) (\(kind.title)) works with exactly \(fixed) classes (drop --classes, or pass \(fixed))")
            }
        }
    }

    /// The loss `--loss` names (`ce` without it) and the number of classes: `--classes`, else the
    /// loss's own count (2 for bce), else `defaultClasses`.
    static func loss(_ given: String?, classes: Int?, defaultClasses: Int) -> (kind: any Loss.Type, classes: Int) {
        let kind = given.flatMap(LossRegistry.kind(option:)) ?? SoftmaxCrossEntropy.self
        return (kind, classes ?? kind.classCount ?? defaultClasses)
    }

    /// The network of a new run. With `--loss` or `--target` given (`given`, `target`), a target
    /// the loss cannot compare with, or an output that does not fit the loss and its target (10
    /// logits for bce or with `--target input`, a 1-logit network with more than two classes), is
    /// refused naming the flag, with what to change; the spec's own errors, and the defaults'
    /// refusal, name the spec.
    static func network(spec: ModelSpec, inputShape: FeatureShape, classes: Int, loss kind: any Loss.Type, given: String?,
                        target: TrainingTarget? = nil) throws -> Network {
        let flag = [given.map { "--loss \($0)" }, target.map { "--target \($0.option)" }].compactMap { $0 }.joined(separator: " ")
        if !flag.isEmpty {
            let output = try Network.layers(of: spec, inputShape: inputShape).last?.outputShape ?? inputShape
            let target = target ?? kind.defaultTarget
            if let mismatch = kind.refusal(of: target) ?? kind.mismatch(output: output, target: target, input: inputShape, classes: classes) {
                throw CommandFailure(description: "\(flag): \(mismatch)")
            }
        }
        return try Network(spec: spec, inputShape: inputShape, classes: classes, loss: kind, target: target)
    }

    /// The training images: the first `limit` of `set` (all without it), of which the last
    /// `heldOut` are held out as the validation set (`nil` when `heldOut` is 0).
    static func split(_ set: ImageSet, limit: Int?, heldOut: Int) throws -> (train: ImageSet, validation: ImageSet?) {
        let train = limit.map { set.prefix($0) } ?? set
        guard heldOut > 0 else { return (train, nil) }
        guard heldOut < train.count else {
            throw CommandFailure(description: "--validation: \(heldOut) held-out samples leave none of the \(train.count) training samples to train on (use fewer)")
        }
        return (train.prefix(train.count - heldOut), train.suffix(heldOut))
    }

    /// `size`, lowered with a note to the number of training samples when it is larger: a batch
    /// cannot hold more samples than the set has (as in PyTorch's and Keras's loaders, the epoch
    /// is then one batch of all of them), and the batch's buffers would be sized for samples that
    /// do not exist.
    static func batchSize(_ size: Int, fitting samples: Int, console: Console) -> Int {
        guard size > samples else { return size }
        console.diagnose("fovea: note: --batch-size \(size) is larger than the \(Format.integer(samples)) training samples; using \(samples)")
        return samples
    }
}
