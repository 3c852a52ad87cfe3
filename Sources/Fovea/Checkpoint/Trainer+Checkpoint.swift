extension Trainer {
    /// A trainer that continues the run `checkpoint` saved, to `epochs` epochs in all, exactly as
    /// if it had never stopped: same parameters, optimizer state, step count, epoch, position in the
    /// epoch and partial epoch totals, and so the same shuffles, dropout masks, input corruption
    /// (`options.corruption`, with the network's target) and learning rates.
    /// (With `epochs` other than the checkpoint's planned total, a cosine schedule is stretched
    /// or shrunk to the new total from the current step on.) `threads` may be anything.
    ///
    /// The training set must have the checkpoint's number of samples (the position in the epoch
    /// depends on it), and every set the model's input shape.
    public convenience init(resuming checkpoint: Checkpoint, epochs: Int, train: ImageSet, test: ImageSet?, validation: ImageSet?,
                            threads: Int) throws(CheckpointError) {
        let file = checkpoint.path
        let inputShape = checkpoint.network.inputShape
        for (name, set) in [("training", train), ("test", test), ("validation", validation)] {
            if let set, set.sampleShape != inputShape {
                throw CheckpointError.mismatch(file: file, message: "the model takes \(inputShape) images, but the \(name) images are \(set.sampleShape) (use the data the run trained on)")
            }
        }
        guard train.count == checkpoint.data.train.count else {
            throw CheckpointError.mismatch(file: file, message: "the run trained on \(checkpoint.data.train.count) samples per epoch, but the training data give \(train.count) (resume with the same data, --limit and --validation)")
        }
        guard epochs >= max(checkpoint.state.epoch, 1) else {
            throw CheckpointError.mismatch(file: file, message: "the run has finished \(checkpoint.state.epoch) epochs, more than the \(epochs) asked for (ask for at least \(checkpoint.state.epoch))")
        }
        if let mismatch = checkpoint.countMismatch {
            throw CheckpointError.mismatch(file: file, message: "its values do not fit its model and optimizer: \(mismatch) (a bug in the program that built it)")
        }
        if let mismatch = checkpoint.taskMismatch {
            throw CheckpointError.mismatch(file: file, message: "its task cannot be trained: \(mismatch) (a bug in the program that built it)")
        }
        var options = checkpoint.options
        options.epochs = epochs
        self.init(model: checkpoint.makeModel(), options: options, train: train, test: test, validation: validation, threads: threads)
        restore(checkpoint.state, optimizerStep: checkpoint.optimizerStep, optimizerTensors: checkpoint.optimizerTensors)
    }
}
