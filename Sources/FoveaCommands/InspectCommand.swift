import ArgumentParser
import Fovea
import Foundation

/// `fovea inspect FILE`: what a checkpoint holds, without data: format, model, position,
/// hyper-parameters (with the input corruption of a denoising run), accuracy at save time, the
/// best epoch, early stopping and `weights_sha256`.
public struct InspectCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a checkpoint: format version, model, loss and target, optimizer and its state, epoch and step, hyper-parameters and input corruption, accuracy at save time, best epoch, early stopping, weights_sha256.",
        discussion: "weights_sha256 is the SHA-256 of the parameter tensors' bytes (little-endian float32) in file order: two checkpoints with equal weights have equal digests."
    )

    @Argument(help: "A checkpoint (.fovea) written by fovea train.")
    var file: String

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    public init() {}

    public func run() throws {
        try run(console: StandardConsole())
    }

    public func run(console: Console) throws {
        do {
            let checkpoint = try CheckpointReader.read(file)
            if json {
                console.line(InspectCommand.json(checkpoint))
            } else {
                for line in InspectCommand.text(checkpoint) { console.line(line) }
            }
        } catch {
            console.diagnose("fovea: \(error)")
            throw ExitCode.failure
        }
    }

    static func text(_ c: Checkpoint) -> [String] {
        let network = c.network, o = c.options, state = c.state
        var lines = [
            "file: \(c.path)",
            "format: version \(c.formatVersion), written by Fovea \(c.writerVersion)",
            "model: \(network.spec)",
            "input: \(network.inputShape), \(network.classes) classes; \(Format.integer(network.parameterCount)) parameters",
        ]
        let tensors = network.parameterTensors
        let nameWidth = tensors.map(\.name.count).max() ?? 0
        let shapeWidth = tensors.map { "\($0.shape.shape)".count }.max() ?? 0
        for tensor in tensors {
            let shape = "\(tensor.shape.shape)"
            lines.append("  \(tensor.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0))  "
                + "\(shape.padding(toLength: shapeWidth, withPad: " ", startingAt: 0))  \(Format.integer(tensor.range.count).leftPadded(to: 10, with: " "))")
        }
        if !network.stateTensors.isEmpty {
            lines.append("non-trainable state: " + network.stateTensors.map { "\($0.name) \($0.shape.shape)" }.joined(separator: ", "))
        }
        // The target as the training header says it: named unless it is a classifier's labels.
        let showsTarget = !network.loss.classifies || network.target != network.loss.defaultTarget
        lines.append("loss: \(network.loss.title)" + (showsTarget ? " against \(network.target.description)" : ""))
        let position = state.stepInEpoch == 0
            ? "epoch \(state.epoch) of \(o.epochs) finished"
            : "epoch \(state.epoch + 1) of \(o.epochs), step \(Format.integer(state.stepInEpoch)) of \(Format.integer(c.stepsPerEpoch))"
        lines.append("position: \(position) (global step \(Format.integer(state.globalStep)), \(Format.integer(c.stepsPerEpoch)) steps per epoch)")
        lines.append("hyper-parameters: batch \(o.batchSize), \(o.optimizer.summary()), schedule \(o.schedule), seed \(o.seed), "
            + "\(o.epochs) epoch\(o.epochs == 1 ? "" : "s") planned" + (o.augmentation.isIdentity ? "" : ", augmentation \(o.augmentation)")
            + (o.gradientClipping.map { ", \($0)" } ?? "")
            + (o.corruption.isIdentity ? "" : ", input corruption \(o.corruption) (the target stays clean)"))
        let stateTensors = c.namedOptimizerTensors.map { "\($0.name) [\(Format.integer($0.values.count))]" }
        lines.append("optimizer state: \(Format.integer(c.optimizerStep)) updates applied; "
            + (stateTensors.isEmpty ? "no tensors" : stateTensors.joined(separator: ", ")))
        lines.append("normalisation: mean \(c.normalization.mean), std \(c.normalization.std)")
        let limit = c.data.limit.map { "first \(Format.integer($0))" } ?? "all"
        lines.append("data: \(c.data.directory) (\(limit) training samples, \(Format.integer(c.data.validation)) held out); "
            + "training \(Format.integer(c.data.train.count)) sha256 \(c.data.train.shortHex)…, test \(Format.integer(c.data.test.count)) sha256 \(c.data.test.shortHex)…")
        lines.append("at save time: " + evaluationText(c.history.last, mid: state.stepInEpoch))
        lines.append("best: " + evaluationText(c.history.best, mid: 0))
        if let earlyStopping = c.earlyStopping { lines.append(EarlyStopReport.inspectLine(c, earlyStopping)) }
        lines.append("weights_sha256: \(SHA256Digest.hex(c.weightsSHA256))")
        return lines
    }

    private static func evaluationText(_ e: EpochEvaluation?, mid steps: Int) -> String {
        guard let e else { return "not evaluated yet (no epoch finished)" }
        // "test accuracy 98.10% (loss 0.0612)", or "test loss 0.0612" for a loss that does not classify.
        func figures(_ set: String, _ accuracy: Double?, _ loss: Double?) -> String? {
            guard let loss else { return nil }
            return accuracy.map { "\(set) accuracy \(Format.percent($0)) (loss \(Format.fixed(loss, 4)))" } ?? "\(set) loss \(Format.fixed(loss, 4))"
        }
        let parts = [figures("test", e.testAccuracy, e.testLoss), figures("validation", e.validationAccuracy, e.validationLoss)].compactMap { $0 }
        let since = steps > 0 ? "; the weights have trained \(Format.integer(steps)) steps since" : ""
        return parts.joined(separator: ", ") + " after epoch \(e.epoch)\(since)"
    }

    static func json(_ c: Checkpoint) -> String {
        let network = c.network, o = c.options
        let kind = type(of: o.optimizer)
        let optimizerValues = zip(kind.hyperParameters, o.optimizer.values).map { parameter, value in
            (parameter.key, parameter.isSwitch ? "\(value != 0)" : Format.json(value))
        }
        func evaluation(_ e: EpochEvaluation?) -> String {
            guard let e else { return "null" }
            return JSON.object([("epoch", "\(e.epoch)"), ("test_loss", JSON.number(e.testLoss)), ("test_accuracy", JSON.number(e.testAccuracy)),
                                ("validation_loss", JSON.number(e.validationLoss)), ("validation_accuracy", JSON.number(e.validationAccuracy))])
        }
        func fingerprint(_ f: DataFingerprint) -> String {
            JSON.object([("samples", "\(f.count)"), ("sha256", JSON.string(SHA256Digest.hex(f.sha256)))])
        }
        let shape = network.inputShape
        return JSON.object([
            ("format_version", "\(c.formatVersion)"),
            ("fovea_version", JSON.string(c.writerVersion)),
            ("model", JSON.string(network.spec.description)),
            ("input_shape", JSON.array(["\(shape.channels)", "\(shape.height)", "\(shape.width)"])),
            ("classes", "\(network.classes)"),
            ("parameters", "\(network.parameterCount)"),
            ("loss", JSON.string(network.loss.name)),
            ("target", JSON.string(network.target.option)),
            ("state_tensors", JSON.array(network.stateTensors.map { t in
                JSON.object([("name", JSON.string(t.name)), ("shape", JSON.array(t.shape.shape.map { "\($0)" }))])
            })),
            ("tensors", JSON.array(network.parameterTensors.map { t in
                JSON.object([("name", JSON.string(t.name)), ("shape", JSON.array(t.shape.shape.map { "\($0)" }))])
            })),
            ("epoch", "\(c.state.epoch)"),
            ("step_in_epoch", "\(c.state.stepInEpoch)"),
            ("steps_per_epoch", "\(c.stepsPerEpoch)"),
            ("global_step", "\(c.state.globalStep)"),
            ("optimizer", JSON.object([
                ("name", JSON.string(kind.name)), ("step", "\(c.optimizerStep)"),
                ("state", JSON.array(c.namedOptimizerTensors.map { JSON.object([("name", JSON.string($0.name)), ("count", "\($0.values.count)")]) })),
            ])),
            ("hyper_parameters", JSON.object([
                ("epochs", "\(o.epochs)"), ("batch_size", "\(o.batchSize)"), ("optimizer", JSON.string(kind.name)),
            ] + optimizerValues + [
                ("schedule", JSON.string(o.schedule.kind.rawValue)), ("lr_step_epochs", "\(o.schedule.stepEpochs)"),
                ("lr_gamma", Format.json(o.schedule.gamma)), ("warmup_epochs", Format.json(o.schedule.warmupEpochs)), ("seed", "\(o.seed)"),
                ("clip_grad_norm", o.gradientClipping.map { Format.json($0.maxNorm) } ?? "null"),
                ("input_noise", Format.json(o.corruption.noise)), ("occlusion", "\(o.corruption.occlusion)"),
                ("augmentation", JSON.object([
                    ("translation", Format.json(o.augmentation.translation)), ("rotation", Format.json(o.augmentation.rotation)),
                    ("scale", Format.json(o.augmentation.scale)), ("shear", Format.json(o.augmentation.shear)),
                    ("elastic_alpha", Format.json(o.augmentation.elasticAlpha)), ("elastic_sigma", Format.json(o.augmentation.elasticSigma)),
                    ("noise", Format.json(o.augmentation.noise)),
                ])),
            ])),
            ("normalization", JSON.object([("mean", Format.json(Double(c.normalization.mean))), ("std", Format.json(Double(c.normalization.std)))])),
            ("data", JSON.object([
                ("directory", JSON.string(c.data.directory)), ("limit", c.data.limit.map { "\($0)" } ?? "null"),
                ("validation", "\(c.data.validation)"), ("train", fingerprint(c.data.train)),
                ("validation_set", fingerprint(c.data.validationSet)), ("test", fingerprint(c.data.test)),
            ])),
            ("test_loss", JSON.number(c.history.last?.testLoss)),
            ("test_accuracy", JSON.number(c.history.last?.testAccuracy)),
            ("last_evaluation", evaluation(c.history.last)),
            ("best", evaluation(c.history.best)),
            ("early_stop", EarlyStopReport.inspectJSON(c)),
            ("weights_sha256", JSON.string(SHA256Digest.hex(c.weightsSHA256))),
        ])
    }
}
