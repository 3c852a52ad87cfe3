import Foundation
import Testing
import Fovea

@Suite struct OptimizerTests {
    /// A network whose parameters are weight [2, 1] (decays) and bias [2] (does not).
    static func tinyNetwork() throws -> Network {
        try Network(spec: ModelSpec("flatten dense(2)"), inputShape: FeatureShape(channels: 1, height: 1, width: 1), classes: 2)
    }

    /// Buffers holding `values`.
    static func buffers(_ values: [[Float]]) -> [AlignedBuffer] {
        values.map { v in
            let buffer = AlignedBuffer(count: v.count)
            buffer.assign(v)
            return buffer
        }
    }

    /// One SGD update by hand: two shards' gradients are summed, decay applies to the weight only,
    /// and momentum and Nesterov follow PyTorch's formulas.
    @Test(arguments: [false, true])
    func sgdUpdateByHand(nesterov: Bool) throws {
        let network = try OptimizerTests.tinyNetwork()
        let sgd = SGD(learningRate: 0.1, momentum: 0.5, nesterov: nesterov, weightDecay: 0.01)
        let reduction = GradientReduction(network: network, threads: 8)
        let state = OptimizerState(names: SGD.stateNames, parameterCount: 4)
        let w = OptimizerTests.buffers([[1, 2, 3, 4]])[0]
        var expected: [Float] = []
        var velocity: [Float] = [0, 0, 0, 0]
        var weights: [Float] = [1, 2, 3, 4]
        for _ in 0 ..< 2 {
            // The reduction overwrites the first buffer with the sum, so each step gets fresh ones.
            let gradients = OptimizerTests.buffers([[0.5, 0.5, 1, 1], [0.5, -0.5, 1, 0]])
            reduction.apply(sgd, parameters: w, gradients: gradients, shards: 2, state: state, learningRate: 0.1, threads: 2)
            for i in 0 ..< 4 {
                var g = [Float(1), 0, 2, 1][i]
                if i < 2 { g += 0.01 * weights[i] }
                velocity[i] = 0.5 * velocity[i] + g
                weights[i] -= 0.1 * (nesterov ? g + 0.5 * velocity[i] : velocity[i])
            }
            expected = weights
        }
        #expect(w.array == expected)
        #expect(state.tensor(named: "velocity") == velocity)
        #expect(state.step == 2)
    }

    /// PyTorch's Adam and AdamW, written out in `Double` from their documentation; Fovea's `Float`
    /// updates agree to float rounding over many steps, biases excluded from decay.
    @Test(arguments: [false, true])
    func adamFollowsPyTorchsFormula(decoupled: Bool) throws {
        let network = try OptimizerTests.tinyNetwork()
        let (lr, beta1, beta2, eps, decay) = (0.01, 0.8, 0.95, 1e-6, 0.1)
        let moments = AdamMoments(beta1: beta1, beta2: beta2, eps: eps)
        let optimizer: any Optimizer = decoupled ? AdamW(learningRate: lr, moments: moments, weightDecay: decay)
                                                 : Adam(learningRate: lr, moments: moments, weightDecay: decay)
        let reduction = GradientReduction(network: network, threads: 8)
        let state = OptimizerState(names: type(of: optimizer).stateNames, parameterCount: 4)
        let w = OptimizerTests.buffers([[1, -2, 0.5, 4]])[0]
        var weights: [Double] = [1, -2, 0.5, 4], m = [Double](repeating: 0, count: 4), v = m
        for t in 1 ... 30 {
            let g: [Double] = (0 ..< 4).map { i in sin(Double(t * 7 + i)) * (i == 1 ? 3 : 0.5) }
            let gradients = OptimizerTests.buffers([g.map { Float($0) }])
            reduction.apply(optimizer, parameters: w, gradients: gradients, shards: 1, state: state, learningRate: lr, threads: 1)
            for i in 0 ..< 4 {
                let decays = i < 2
                var grad = g[i]
                if decays && decoupled { weights[i] *= 1 - lr * decay }
                if decays && !decoupled { grad += decay * weights[i] }
                m[i] = beta1 * m[i] + (1 - beta1) * grad
                v[i] = beta2 * v[i] + (1 - beta2) * grad * grad
                let stepSize = lr / (1 - pow(beta1, Double(t)))
                let denominator = v[i].squareRoot() / (1 - pow(beta2, Double(t))).squareRoot() + eps
                weights[i] -= stepSize * m[i] / denominator
            }
        }
        for (fovea, reference) in zip(w.array, weights) {
            #expect(abs(Double(fovea) - reference) < 1e-5, "\(fovea) vs \(reference)")
        }
        let (mFovea, vFovea) = (try #require(state.tensor(named: "m")), try #require(state.tensor(named: "v")))
        for i in 0 ..< 4 {
            #expect(abs(Double(mFovea[i]) - m[i]) < 1e-6 && abs(Double(vFovea[i]) - v[i]) < 1e-6)
        }
        #expect(state.step == 30)
    }

    /// The float32 bit patterns PyTorch 2.15 gives for `torch.optim.Adam` and `AdamW` (lr 0.01,
    /// default betas and eps) after three steps on w = [1, −2, 0.5, 4] (weight decay 0.1) and
    /// b = [0.25, −0.75, 1.5, 0] (no decay), with gradients g_t = [t, −1, 0.5·t, 2] and
    /// [0.1·t, −0.3, 1, 0]; Fovea's update gives the same values within one unit in the last place.
    @Test(arguments: [false, true])
    func adamMatchesPyTorchsNumbers(decoupled: Bool) throws {
        // Parameters: weight [4, 1] (decays), bias [4] (does not).
        let network = try Network(spec: ModelSpec("flatten dense(4)"), inputShape: FeatureShape(channels: 1, height: 1, width: 1), classes: 4)
        let optimizer: any Optimizer = decoupled ? AdamW(learningRate: 0.01, weightDecay: 0.1) : Adam(learningRate: 0.01, weightDecay: 0.1)
        let reduction = GradientReduction(network: network, threads: 8)
        let state = OptimizerState(names: type(of: optimizer).stateNames, parameterCount: 8)
        let parameters = OptimizerTests.buffers([[1, -2, 0.5, 4, 0.25, -0.75, 1.5, 0]])[0]
        for t in 1 ... 3 {
            let step = Float(t)
            let gradients = OptimizerTests.buffers([[step, -1, 0.5 * step, 2, 0.1 * step, -0.3, 1, 0]])
            reduction.apply(optimizer, parameters: parameters, gradients: gradients, shards: 1, state: state, learningRate: 0.01, threads: 1)
        }
        let pytorch: [UInt32] = decoupled
            ? [0x3F77_C1CC, 0xBFFB_6589, 0x3EF0_4801, 0x407D_5090, 0x3E62_110C, 0xBF38_51EC, 0x3FBC_28F6, 0x0000_0000]
            : [0x3F78_7DD1, 0xBFFC_28FD, 0x3EF0_FB82, 0x407E_147C, 0x3E62_110C, 0xBF38_51EC, 0x3FBC_28F6, 0x0000_0000]
        for (i, (fovea, reference)) in zip(parameters.array, pytorch).enumerated() {
            let distance = abs(Int64(fovea.bitPattern) - Int64(reference))
            #expect(distance <= 1, "parameter \(i): \(fovea) vs PyTorch's \(Float(bitPattern: reference))")
        }
    }

    /// With β₁ ≤ 0.5 PyTorch's `lerp` rounds the first moment from the gradient's side; Fovea
    /// mirrors it: after the same three steps as above with β₁ = 0.3, `m` has PyTorch's bits
    /// exactly, and the parameters are within two units in the last place (PyTorch's vectorised
    /// `addcdiv` may fuse its multiply-add, Fovea's update never does: one rounding per step).
    @Test func adamFirstMomentRoundsAsPyTorchsLerp() throws {
        let network = try Network(spec: ModelSpec("flatten dense(4)"), inputShape: FeatureShape(channels: 1, height: 1, width: 1), classes: 4)
        let adam = Adam(learningRate: 0.01, moments: AdamMoments(beta1: 0.3), weightDecay: 0.1)
        let reduction = GradientReduction(network: network, threads: 8)
        let state = OptimizerState(names: Adam.stateNames, parameterCount: 8)
        let parameters = OptimizerTests.buffers([[1, -2, 0.5, 4, 0.25, -0.75, 1.5, 0]])[0]
        for t in 1 ... 3 {
            let step = Float(t)
            let gradients = OptimizerTests.buffers([[step, -1, 0.5 * step, 2, 0.1 * step, -0.3, 1, 0]])
            reduction.apply(adam, parameters: parameters, gradients: gradients, shards: 1, state: state, learningRate: 0.01, threads: 1)
        }
        let m = try #require(state.tensor(named: "m"))
        #expect(m.map(\.bitPattern) == [0x402B_6E57, 0xBF95_3F2A, 0x3FAB_52A5, 0x4015_598B, 0x3E84_3FE6, 0xBE95_73EB, 0x3F79_1687, 0x0000_0000])
        let pytorch: [UInt32] = [0x3F77_7506, 0xBFFC_2937, 0x3EEE_EA33, 0x407E_148B, 0x3E5D_B935, 0xBF38_51EC, 0x3FBC_28F6, 0x0000_0000]
        for (fovea, reference) in zip(parameters.array, pytorch) {
            #expect(abs(Int64(fovea.bitPattern) - Int64(reference)) <= 2, "\(fovea) vs PyTorch's \(Float(bitPattern: reference))")
        }
    }

    /// The reduction's result does not depend on the thread count or on where the workers' ranges
    /// fall, for every optimizer, on a network large enough to run the update in parallel.
    @Test(arguments: [0, 1, 2])
    func updateIsIndependentOfThreads(kind: Int) throws {
        let network = try Network(spec: ModelSpec("flatten dense(300) dense(10)"), inputShape: FeatureShape(channels: 1, height: 9, width: 9),
                                  classes: 10)
        let optimizer: any Optimizer = [SGD(learningRate: 0.05, nesterov: true, weightDecay: 1e-3) as any Optimizer,
                                        Adam(learningRate: 0.01, weightDecay: 1e-3), AdamW(learningRate: 0.01)][kind]
        let count = network.parameterCount
        #expect(count >= 1 << 14)
        func run(threads: Int) -> ([Float], [[Float]]) {
            let reduction = GradientReduction(network: network, threads: 8)
            let state = OptimizerState(names: type(of: optimizer).stateNames, parameterCount: count)
            let w = OptimizerTests.buffers([(0 ..< count).map { Float(sin(Double($0))) }])[0]
            for step in 0 ..< 3 {
                let gradients = OptimizerTests.buffers((0 ..< 3).map { shard in
                    (0 ..< count).map { Float(cos(Double($0 * (shard + 2) + step))) * 0.1 }
                })
                reduction.apply(optimizer, parameters: w, gradients: gradients, shards: 3, state: state, learningRate: 0.01, threads: threads)
            }
            return (w.array, state.tensors)
        }
        let reference = run(threads: 1)
        for threads in [2, 3, 8] {
            let other = run(threads: threads)
            #expect(other.0 == reference.0 && other.1 == reference.1, "threads \(threads)")
        }
    }

    /// Optimizers are made by name from flags; a flag another kind takes, or a value out of
    /// range, is refused naming the flag.
    @Test func registryMakesAndRefuses() throws {
        let adam = try OptimizerRegistry.make("adam", given: ["--lr": 0.002, "--beta2": 0.99])
        #expect(adam.isSame(as: Adam(learningRate: 0.002, moments: AdamMoments(beta2: 0.99))))
        #expect(try OptimizerRegistry.make("adamw", given: [:]).isSame(as: AdamW()))
        #expect(try OptimizerRegistry.make("sgd", given: ["--nesterov": 1]).isSame(as: SGD(learningRate: 0.03, nesterov: true)))
        #expect(throws: OptimizerSettingError(setting: "--momentum", message: "does not apply to adam (it takes --lr, --beta1, --beta2, --eps, --weight-decay)")) {
            try OptimizerRegistry.make("adam", given: ["--momentum": 0.9])
        }
        #expect(throws: OptimizerSettingError(setting: "--beta1", message: "must be in [0, 1), got 1.0")) {
            try OptimizerRegistry.make("adamw", given: ["--beta1": 1])
        }
        #expect(throws: OptimizerSettingError(setting: "--optimizer", message: "unknown optimizer 'rmsprop' (expected one of sgd, adam, adamw)")) {
            try OptimizerRegistry.make("rmsprop", given: [:])
        }
    }

    @Test func schedules() {
        let constant = LearningRateSchedule(kind: .constant)
        #expect(constant.rate(base: 0.1, step: 50, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        let step = LearningRateSchedule(kind: .step, stepEpochs: 2, gamma: 0.5)
        #expect(step.rate(base: 0.1, step: 19, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        #expect(step.rate(base: 0.1, step: 20, stepsPerEpoch: 10, totalSteps: 100) == 0.05)
        #expect(step.rate(base: 0.1, step: 45, stepsPerEpoch: 10, totalSteps: 100) == 0.025)
        let cosine = LearningRateSchedule(kind: .cosine)
        #expect(cosine.rate(base: 0.1, step: 0, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        #expect(abs(cosine.rate(base: 0.1, step: 50, stepsPerEpoch: 10, totalSteps: 100) - 0.05) < 1e-12)
        let warm = LearningRateSchedule(kind: .cosine, warmupEpochs: 1)
        #expect(warm.rate(base: 0.1, step: 0, stepsPerEpoch: 10, totalSteps: 100) == 0.01)
        #expect(warm.rate(base: 0.1, step: 9, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
        #expect(warm.rate(base: 0.1, step: 10, stepsPerEpoch: 10, totalSteps: 100) == 0.1)
    }
}
