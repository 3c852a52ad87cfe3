/// A dilated convolution with stride 1, run as D² undilated ones (TensorFlow's "space to batch"
/// for atrous convolutions): output row `D·a + i` reads input rows `D·(a + r + shift) + φ`, that
/// is, rows `a + r + shift` of the input's phase φ, with the kernel's taps adjacent. So output
/// phase (i, j) is an ordinary convolution of input phase (φ_i, φ_j) (cropped or zero-padded at
/// its ends), which runs on the fast kernels (Winograd, direct) where plain `im2col` ran before.
/// Each input pixel belongs to one phase and each phase pairs with one output phase, so the
/// phases' input gradients are disjoint; their kernel and bias gradients are added in phase order.
struct PolyphaseConvolution {
    /// One output phase and the input phase it reads.
    struct Phase {
        /// Output phase: rows `D·a + row`, columns `D·b + column`.
        let row: Int, column: Int
        /// Input rows `D·(firstRow + u) + rowPhase`, columns likewise, for u < the inner height.
        let rowPhase: Int, columnPhase: Int, firstRow: Int, firstColumn: Int
        let convolution: Conv2D
        var inner: ConvolutionGeometry { convolution.geometry }
    }

    let geometry: ConvolutionGeometry
    let phases: [Phase]

    /// `nil` unless stride 1 and dilation > 1, or if a phase would read no input pixel at all.
    init?(geometry g: ConvolutionGeometry) {
        guard g.stride == 1, g.dilation > 1 else { return nil }
        let d = g.dilation
        /// For output phase `i` of `outputs` along an axis of `size` with `before` padding: the
        /// input phase, the first phase index read, the phase rows read and the padding around.
        func axis(_ i: Int, size: Int, before: Int, outputs: Int, kernel: Int)
            -> (phase: Int, first: Int, count: Int, padBefore: Int, padAfter: Int, outputs: Int)? {
            let count = (outputs - i + d - 1) / d
            guard count > 0 else { return nil }
            let e = i - before
            let phase = ((e % d) + d) % d, shift = (e - phase) / d
            let available = (size - phase + d - 1) / d
            let first = max(0, shift), last = count - 1 + kernel - 1 + shift
            let used = min(available, last + 1) - first
            guard used > 0 else { return nil }
            return (phase, first, used, max(0, -shift), last + 1 - (first + used), count)
        }
        var phases: [Phase] = []
        for i in 0 ..< d {
            for j in 0 ..< d {
                guard let rows = axis(i, size: g.height, before: g.paddingTop, outputs: g.outputHeight, kernel: g.kernelHeight),
                      let columns = axis(j, size: g.width, before: g.paddingLeft, outputs: g.outputWidth, kernel: g.kernelWidth) else {
                    if (g.outputHeight - i + d - 1) / d > 0 && (g.outputWidth - j + d - 1) / d > 0 { return nil }
                    continue
                }
                guard let inner = ConvolutionGeometry(
                    input: FeatureShape(channels: g.inputChannels, height: rows.count, width: columns.count), outputChannels: g.outputChannels,
                    kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: 1, dilation: 1,
                    padding: (rows.padBefore, rows.padAfter, columns.padBefore, columns.padAfter)),
                    inner.outputHeight == rows.outputs, inner.outputWidth == columns.outputs else { return nil }
                phases.append(Phase(row: i, column: j, rowPhase: rows.phase, columnPhase: columns.phase, firstRow: rows.first,
                                    firstColumn: columns.first, convolution: Conv2D(geometry: inner)))
            }
        }
        geometry = g
        self.phases = phases
    }

    /// Floats of scratch per sample count: a phase's input, output, input gradient and kernel
    /// gradient, then the inner convolutions' own scratch.
    private func regions(batch: Int) -> [Int] {
        let g = geometry
        let input = phases.map { batch * $0.inner.inputCount }.max() ?? 0, output = phases.map { batch * $0.inner.outputCount }.max() ?? 0
        return [input, output, input, g.outputChannels * g.patchSize + g.outputChannels].map(alignedFloatCount)
    }

    func scratchCount(batch: Int) -> Int {
        regions(batch: batch).reduce(0, +) + (phases.map { $0.convolution.scratchCount(batch: batch) }.max() ?? 0)
    }

    func packedACount(batch: Int) -> Int { phases.map { $0.convolution.packedACount(batch: batch) }.max() ?? 0 }

    private func scratch(_ base: UnsafeMutablePointer<Float>, batch: Int) -> [UnsafeMutablePointer<Float>] {
        var pointers: [UnsafeMutablePointer<Float>] = [], offset = 0
        for size in regions(batch: batch) {
            pointers.append(base + offset)
            offset += size
        }
        return pointers + [base + offset]
    }

    /// Copies between the full `[N, C, H, W]` tensor and phase `p`'s `[N, C, U, V]` one.
    private func transfer(_ phase: Phase, full: UnsafeMutablePointer<Float>, fullShape: (Int, Int, Int), phaseTensor: UnsafeMutablePointer<Float>,
                          phaseShape: (Int, Int, Int), rowOf: (Int) -> Int, columnOf: (Int) -> Int, batch: Int, toPhase: Bool) {
        let (channels, height, width) = fullShape, (_, phaseHeight, phaseWidth) = phaseShape
        for plane in 0 ..< batch * channels {
            let f = full + plane * height * width, s = phaseTensor + plane * phaseHeight * phaseWidth
            for u in 0 ..< phaseHeight {
                let row = f + rowOf(u) * width, phaseRow = s + u * phaseWidth
                if toPhase {
                    for v in 0 ..< phaseWidth { phaseRow[v] = row[columnOf(v)] }
                } else {
                    for v in 0 ..< phaseWidth { row[columnOf(v)] = phaseRow[v] }
                }
            }
        }
    }

    private func inputTransfer(_ p: Phase, _ full: UnsafeMutablePointer<Float>, _ phase: UnsafeMutablePointer<Float>, batch: Int, toPhase: Bool) {
        let g = geometry, d = g.dilation
        transfer(p, full: full, fullShape: (g.inputChannels, g.height, g.width), phaseTensor: phase,
                 phaseShape: (g.inputChannels, p.inner.height, p.inner.width), rowOf: { d * (p.firstRow + $0) + p.rowPhase },
                 columnOf: { d * (p.firstColumn + $0) + p.columnPhase }, batch: batch, toPhase: toPhase)
    }

    private func outputTransfer(_ p: Phase, _ full: UnsafeMutablePointer<Float>, _ phase: UnsafeMutablePointer<Float>, batch: Int, toPhase: Bool) {
        let g = geometry, d = g.dilation
        transfer(p, full: full, fullShape: (g.outputChannels, g.outputHeight, g.outputWidth), phaseTensor: phase,
                 phaseShape: (g.outputChannels, p.inner.outputHeight, p.inner.outputWidth), rowOf: { d * $0 + p.row },
                 columnOf: { d * $0 + p.column }, batch: batch, toPhase: toPhase)
    }

    func forward(_ pass: LayerForward) {
        let s = scratch(pass.scratch, batch: pass.batch)
        for p in phases {
            inputTransfer(p, UnsafeMutablePointer(mutating: pass.input), s[0], batch: pass.batch, toPhase: true)
            p.convolution.forward(LayerForward(input: s[0], output: s[1], batch: pass.batch, parameters: pass.parameters, state: pass.state,
                                               cache: pass.cache, scratch: s[4], gemm: pass.gemm, training: pass.training,
                                               random: pass.random, firstPosition: pass.firstPosition))
            outputTransfer(p, pass.output, s[1], batch: pass.batch, toPhase: false)
        }
    }

    func backward(_ pass: LayerBackward) {
        let g = geometry, s = scratch(pass.scratch, batch: pass.batch)
        let parameterCount = g.outputChannels * g.patchSize + g.outputChannels
        pass.dInput?.update(repeating: 0, count: pass.batch * g.inputCount)
        for (index, p) in phases.enumerated() {
            inputTransfer(p, UnsafeMutablePointer(mutating: pass.input), s[0], batch: pass.batch, toPhase: true)
            outputTransfer(p, UnsafeMutablePointer(mutating: pass.dOutput), s[1], batch: pass.batch, toPhase: true)
            p.convolution.backward(LayerBackward(input: s[0], output: s[1], dOutput: s[1], dInput: pass.dInput == nil ? nil : s[2],
                                                 batch: pass.batch, parameters: pass.parameters, state: pass.state, dParameters: s[3],
                                                 cache: pass.cache, scratch: s[4], gemm: pass.gemm))
            if index == 0 {
                pass.dParameters.update(from: s[3], count: parameterCount)
            } else {
                Elementwise.add(s[3], into: pass.dParameters, count: parameterCount)
            }
            if let dInput = pass.dInput { inputTransfer(p, dInput, s[2], batch: pass.batch, toPhase: false) }
        }
    }
}
