import Testing
import Fovea

/// `fovea bench` says when its figures cannot be trusted: fewer cores' worth of FMA than threads,
/// or a peak that moved during the benchmark.
@Suite struct MachinePeakTests {
    static let g = 1e9

    @Test func aSteadyMachineGetsNoNote() {
        #expect(MachinePeak.unsteadiness(perThread: 170 * MachinePeakTests.g, threads: 2, start: 335 * MachinePeakTests.g,
                                         end: 338 * MachinePeakTests.g) == nil)
        #expect(MachinePeak.unsteadiness(perThread: 170 * MachinePeakTests.g, threads: 1, start: 170 * MachinePeakTests.g,
                                         end: 160 * MachinePeakTests.g) == nil)
    }

    /// Seen on a shared VM: two threads reached one thread's peak, and the peak moved.
    @Test func aSharedMachineIsNamed() {
        let g = MachinePeakTests.g
        #expect(MachinePeak.unsteadiness(perThread: 174.9 * g, threads: 2, start: 174.8 * g, end: 346.9 * g)
                == "2 threads reached 174.8 GFLOP/s of 349.8; the FMA peak read 174.8 GFLOP/s at the start and 346.9 at the end: "
                + "another load shares these cores, so the figures are not reliable (run again on an idle machine)")
        #expect(MachinePeak.unsteadiness(perThread: 170 * g, threads: 1, start: 170 * g, end: 120 * g)
                == "the FMA peak read 170.0 GFLOP/s at the start and 120.0 at the end: "
                + "another load shares these cores, so the figures are not reliable (run again on an idle machine)")
    }
}
