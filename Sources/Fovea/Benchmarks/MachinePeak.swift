/// The machine's single-precision FMA peak, measured: every worker runs a loop of independent
/// `SIMD16<Float>` fused multiply-add chains (enough of them to hide the FMA latency), all
/// workers at once, and the rate is the total operations over the wall-clock time. It is the
/// ceiling the kernels are judged against (`fovea bench` reports each figure as a fraction of it).
public enum MachinePeak {
    /// Independent accumulator chains per worker: 12 × 16 lanes, more than latency × throughput
    /// of the FMA units of current x86-64 and arm64 cores.
    static let chains = 12

    /// FLOP per second (one FMA = 2 operations) of `threads` workers running `iterations`
    /// iterations each.
    public static func measure(threads: Int, iterations: Int = 20_000_000) -> Double {
        let workers = max(1, threads)
        let sinks = ParallelSlots<Float>(count: workers)
        let clock = ContinuousClock()
        let start = clock.now
        // Parallel over workers: worker w writes only sinks[w].
        Parallel.run(workers: workers) { w in
            sinks[w] = fmaLoop(iterations: iterations, seed: Float(w))
        }
        let seconds = (clock.now - start).seconds
        // The sums keep the loops from being optimised away; they are finite by construction.
        let sink = sinks.values.reduce(0) { $0 + ($1 ?? 0) }
        precondition(sink.isFinite, "FMA loop diverged")
        return Double(workers * iterations * chains * 16 * 2) / seconds
    }

    /// Why a benchmark's figures should not be trusted, or `nil`: all `threads` workers together
    /// (measured at the `start` and the `end` of the benchmark) reached less than 85 % of
    /// `threads` × one worker's `perThread` peak (a core was busy with another load, or the
    /// host gave fewer cores than it shows), or the peak moved by more than 10 % between start
    /// and end (the machine's speed changed under the benchmark). FLOP per second throughout.
    public static func unsteadiness(perThread: Double, threads: Int, start: Double, end: Double) -> String? {
        func gflops(_ flops: Double) -> String { String(format: "%.1f", flops / 1e9) }
        var reasons: [String] = []
        let ideal = perThread * Double(max(threads, 1)), low = min(start, end)
        if threads > 1 && low < 0.85 * ideal {
            reasons.append("\(threads) threads reached \(gflops(low)) GFLOP/s of \(gflops(ideal))")
        }
        if abs(end - start) > 0.1 * max(start, end) {
            reasons.append("the FMA peak read \(gflops(start)) GFLOP/s at the start and \(gflops(end)) at the end")
        }
        return reasons.isEmpty ? nil : reasons.joined(separator: "; ")
            + ": another load shares these cores, so the figures are not reliable (run again on an idle machine)"
    }

    @inline(never)
    static func fmaLoop(iterations: Int, seed: Float) -> Float {
        let x = SIMD16<Float>(repeating: 0.999_999), y = SIMD16<Float>(repeating: 1e-7)
        var a0 = SIMD16<Float>(repeating: seed), a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3
        var a4 = a0 + 4, a5 = a0 + 5, a6 = a0 + 6, a7 = a0 + 7
        var a8 = a0 + 8, a9 = a0 + 9, a10 = a0 + 10, a11 = a0 + 11
        for _ in 0 ..< iterations {
            a0 = y.addingProduct(a0, x); a1 = y.addingProduct(a1, x); a2 = y.addingProduct(a2, x)
            a3 = y.addingProduct(a3, x); a4 = y.addingProduct(a4, x); a5 = y.addingProduct(a5, x)
            a6 = y.addingProduct(a6, x); a7 = y.addingProduct(a7, x); a8 = y.addingProduct(a8, x)
            a9 = y.addingProduct(a9, x); a10 = y.addingProduct(a10, x); a11 = y.addingProduct(a11, x)
        }
        let sum = (a0 + a1 + a2 + a3) + (a4 + a5 + a6 + a7) + (a8 + a9 + a10 + a11)
        return sum.sum()
    }
}
