import Testing
import Fovea

/// The packed GEMM against the naive reference, on shapes that exercise partial tiles, several
/// depth blocks (K > kc) and several column blocks (N > nc), with every transposition, and last
/// strips of 1 to 4 rows (the 4-row kernel, with an odd panel or a partial one left over).
@Suite struct GEMMTests {
    struct Case: CustomStringConvertible, Sendable {
        let m, n, k: Int
        let transposeA, transposeB, accumulate: Bool
        var description: String { "\(m)x\(n)x\(k) tA=\(transposeA) tB=\(transposeB) acc=\(accumulate)" }
    }

    static let cases: [Case] = {
        var cases: [Case] = []
        let shapes = [(1, 1, 1), (12, 32, 7), (13, 33, 5), (5, 70, 300), (37, 545, 19), (64, 9, 600), (25, 100, 257),
                      (64, 96, 300), (14, 200, 40), (27, 1100, 9)]
        for (i, (m, n, k)) in shapes.enumerated() {
            for t in 0 ..< 4 {
                cases.append(Case(m: m, n: n, k: k, transposeA: t & 1 == 1, transposeB: t & 2 == 2, accumulate: (i + t) % 2 == 1))
            }
        }
        return cases
    }()

    @Test(arguments: cases)
    func matchesReference(_ c: Case) {
        let a = testValues(c.m * c.k, seed: 1), b = testValues(c.k * c.n, seed: 2)
        let initial = testValues(c.m * c.n, seed: 3)
        var fast = initial, slow = initial
        let workspace = AlignedBuffer(count: GEMMWorkspace.count(packedACount: GEMM.packedACount(m: c.m, k: c.k)))
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                let viewA: StridedMatrix = c.transposeA ? .transposed(a.baseAddress!, columns: c.m) : .rowMajor(a.baseAddress!, columns: c.k)
                let viewB: StridedMatrix = c.transposeB ? .transposed(b.baseAddress!, columns: c.k) : .rowMajor(b.baseAddress!, columns: c.n)
                workspace.withUnsafeMutableBufferPointer { memory in
                    let gemm = GEMMWorkspace(memory: memory.baseAddress!, packedACapacity: GEMM.packedACount(m: c.m, k: c.k))
                    fast.withUnsafeMutableBufferPointer { out in
                        GEMM.multiply(a: viewA, b: viewB, c: out.baseAddress!, ldc: c.n, m: c.m, n: c.n, k: c.k,
                                      accumulate: c.accumulate, workspace: gemm)
                    }
                }
                slow.withUnsafeMutableBufferPointer { out in
                    ReferenceKernels.multiply(a: viewA, b: viewB, c: out.baseAddress!, ldc: c.n, m: c.m, n: c.n, k: c.k,
                                              accumulate: c.accumulate)
                }
            }
        }
        expectClose(fast, slow, atol: 1e-4, rtol: 1e-4, "GEMM \(c)")
    }

    /// A hand-computable case: A · I = A.
    @Test func identity() {
        let m = 5, k = 7
        let a = (0 ..< m * k).map { Float($0) }
        var identity = [Float](repeating: 0, count: k * k)
        for i in 0 ..< k { identity[i * k + i] = 1 }
        var c = [Float](repeating: -1, count: m * k)
        let workspace = AlignedBuffer(count: GEMMWorkspace.count(packedACount: GEMM.packedACount(m: m, k: k)))
        a.withUnsafeBufferPointer { a in
            identity.withUnsafeBufferPointer { b in
                workspace.withUnsafeMutableBufferPointer { memory in
                    c.withUnsafeMutableBufferPointer { out in
                        GEMM.multiply(a: StridedMatrix.rowMajor(a.baseAddress!, columns: k), b: StridedMatrix.rowMajor(b.baseAddress!, columns: k),
                                      c: out.baseAddress!, ldc: k, m: m, n: k, k: k, accumulate: false,
                                      workspace: GEMMWorkspace(memory: memory.baseAddress!, packedACapacity: GEMM.packedACount(m: m, k: k)))
                    }
                }
            }
        }
        #expect(c == a)
    }

    /// A row-major B whose full panels are read in place gives the bits of the same B packed
    /// panel by panel (the micro-kernel's chain of multiply-adds is the same either way).
    @Test(arguments: [(64, 1568, 288), (37, 545, 19), (13, 96, 300)])
    func inPlacePanelsMatchPackedOnes(_ shape: (Int, Int, Int)) {
        struct PackedOnly: GEMMPanelSource {
            let matrix: StridedMatrix
            func packPanel(k0: Int, kc: Int, j0: Int, columns: Int, into panel: UnsafeMutablePointer<Float>) {
                matrix.packPanel(k0: k0, kc: kc, j0: j0, columns: columns, into: panel)
            }
        }
        let (m, n, k) = shape
        let a = testValues(m * k, seed: 4), b = testValues(k * n, seed: 5)
        var inPlace = testValues(m * n, seed: 6), packed = inPlace
        let workspace = AlignedBuffer(count: GEMMWorkspace.count(packedACount: GEMM.packedACount(m: m, k: k)))
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                workspace.withUnsafeMutableBufferPointer { memory in
                    let gemm = GEMMWorkspace(memory: memory.baseAddress!, packedACapacity: GEMM.packedACount(m: m, k: k))
                    let viewA = StridedMatrix.rowMajor(a.baseAddress!, columns: k), viewB = StridedMatrix.rowMajor(b.baseAddress!, columns: n)
                    #expect(viewB.inPlacePanel(k0: 0, j0: 0, columns: n) != nil)
                    inPlace.withUnsafeMutableBufferPointer { out in
                        GEMM.multiply(a: viewA, b: viewB, c: out.baseAddress!, ldc: n, m: m, n: n, k: k, accumulate: true, workspace: gemm)
                    }
                    packed.withUnsafeMutableBufferPointer { out in
                        GEMM.multiply(a: viewA, b: PackedOnly(matrix: viewB), c: out.baseAddress!, ldc: n, m: m, n: n, k: k,
                                      accumulate: true, workspace: gemm)
                    }
                }
            }
        }
        #expect(inPlace == packed)
    }

    /// A read in place (row-major, no packing; a short last strip copied) against the reference,
    /// with short strips, several depth and column blocks, and B packed or read in place.
    @Test(arguments: [(9, 32, 1568), (288, 64, 1568), (13, 545, 300), (25, 70, 7), (28, 130, 50)])
    func inPlaceAMatchesReference(_ shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a = testValues(m * k, seed: 7), b = testValues(k * n, seed: 8)
        for transposeB in [false, true] {
            var fast = testValues(m * n, seed: 9), slow = fast
            let workspace = AlignedBuffer(count: GEMMWorkspace.count(packedACount: 0))
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    let viewB: StridedMatrix = transposeB ? .transposed(b.baseAddress!, columns: k) : .rowMajor(b.baseAddress!, columns: n)
                    workspace.withUnsafeMutableBufferPointer { memory in
                        fast.withUnsafeMutableBufferPointer { out in
                            GEMM.multiply(rowMajorA: a.baseAddress!, lda: k, b: viewB, c: out.baseAddress!, ldc: n,
                                          m: m, n: n, k: k, accumulate: true,
                                          workspace: GEMMWorkspace(memory: memory.baseAddress!, packedACapacity: 0))
                        }
                    }
                    slow.withUnsafeMutableBufferPointer { out in
                        ReferenceKernels.multiply(a: .rowMajor(a.baseAddress!, columns: k), b: viewB, c: out.baseAddress!, ldc: n,
                                                  m: m, n: n, k: k, accumulate: true)
                    }
                }
            }
            expectClose(fast, slow, atol: 1e-4, rtol: 1e-4, "in-place A \(m)x\(n)x\(k) transposeB=\(transposeB)")
        }
    }
}
