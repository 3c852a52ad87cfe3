import Testing
import Fovea

/// Geometry, range and determinism of the augmentation steps, on small images whose expected
/// results can be worked out by hand.
@Suite struct AugmenterTests {
    /// An `height × width` image whose pixels all differ: `(row · width + column) · 3 + 1`.
    static func distinctPattern(height: Int, width: Int) -> [UInt8] {
        (0 ..< height * width).map { UInt8(($0 * 3 + 1) % 256) }
    }

    /// Checks `actual[r, c] == Float(expected(r, c))` within `tolerance`, naming the first pixel
    /// that differs.
    func expectImage(_ actual: [Float], height: Int, width: Int, tolerance: Float = 0, _ what: String,
                     _ expected: (Int, Int) -> UInt8, sourceLocation: SourceLocation = #_sourceLocation) {
        for r in 0 ..< height {
            for c in 0 ..< width where abs(actual[r * width + c] - Float(expected(r, c))) > tolerance {
                Issue.record("\(what): pixel (\(r), \(c)) is \(actual[r * width + c]), expected \(expected(r, c))", sourceLocation: sourceLocation)
                return
            }
        }
    }

    @Test func identityParametersGiveTheIdenticalImage() throws {
        let (height, width) = (7, 9)
        let image = AugmenterTests.distinctPattern(height: height, width: width)
        let stream = Augmenter.stream(seed: 1, epoch: 0, index: 0)
        let none = Augmenter(configuration: .none, height: height, width: width).augmented(image, stream: stream)
        expectImage(none, height: height, width: width, "none") { image[$0 * width + $1] }
        // Zero ranges and zero elastic strength with a non-default sigma are the identity too.
        let zeros = try AugmentationConfiguration(translation: 0, rotation: 0, scale: 0, shear: 0, elasticAlpha: 0, elasticSigma: 2)
        #expect(zeros.isIdentity)
        let resampled = Augmenter.resample(image, height: height, width: width, through: AffineTransform(height: height, width: width))
        expectImage(resampled, height: height, width: width, "identity transform") { image[$0 * width + $1] }
    }

    /// +90° turns the content counterclockwise as displayed: the top-right corner goes to the
    /// top left, so output pixel (r, c) shows source pixel (c, W − 1 − r).
    @Test(arguments: [4, 5, 8])
    func quarterTurnLandsWhereExpected(size: Int) {
        let image = AugmenterTests.distinctPattern(height: size, width: size)
        let turned = Augmenter.resample(image, height: size, width: size,
                                        through: AffineTransform(rotationDegrees: 90, height: size, width: size))
        expectImage(turned, height: size, width: size, tolerance: 1e-3, "90° on \(size)×\(size)") { r, c in image[c * size + (size - 1 - r)] }
        let back = Augmenter.resample(image, height: size, width: size, through: AffineTransform(rotationDegrees: -90, height: size, width: size))
        expectImage(back, height: size, width: size, tolerance: 1e-3, "−90° on \(size)×\(size)") { r, c in image[(size - 1 - c) * size + r] }
    }

    /// A half turn of a non-square image about its centre, and whole-pixel shifts (content moves
    /// right and down; what comes in is background 0).
    @Test func halfTurnAndShiftsOfANonSquareImage() {
        let (height, width) = (5, 8)
        let image = AugmenterTests.distinctPattern(height: height, width: width)
        let halfTurn = Augmenter.resample(image, height: height, width: width,
                                          through: AffineTransform(rotationDegrees: 180, height: height, width: width))
        expectImage(halfTurn, height: height, width: width, tolerance: 1e-3, "180°") { r, c in image[(height - 1 - r) * width + width - 1 - c] }
        let shifted = Augmenter.resample(image, height: height, width: width,
                                         through: AffineTransform(translationX: 2, translationY: 1, height: height, width: width))
        expectImage(shifted, height: height, width: width, "shift (2, 1)") { r, c in r >= 1 && c >= 2 ? image[(r - 1) * width + c - 2] : 0 }
        // Half a pixel to the right: the mean of the two neighbours.
        let half = Augmenter.resample(image, height: height, width: width, through: AffineTransform(translationX: 0.5, height: height, width: width))
        #expect(half[width + 3] == (Float(image[width + 2]) + Float(image[width + 3])) / 2)
    }

    /// A scale factor of 2 about the centre of a 5×5 image shows the central 3×3 region, every
    /// second output pixel on a source pixel.
    @Test func scalingAboutTheCentre() {
        let image = AugmenterTests.distinctPattern(height: 5, width: 5)
        let zoomed = Augmenter.resample(image, height: 5, width: 5, through: AffineTransform(scale: 2, height: 5, width: 5))
        for (r, c) in [(0, 0), (2, 2), (4, 4), (0, 4), (2, 0)] {
            #expect(zoomed[r * 5 + c] == Float(image[(1 + r / 2) * 5 + 1 + c / 2]), "(\(r), \(c))")
        }
    }

    /// Whatever the parameters, every output pixel is a finite value in 0…255, and a black image
    /// stays black under the geometric steps.
    @Test func outputStaysInRange() throws {
        let extreme = try AugmentationConfiguration(translation: 30, rotation: 180, scale: 0.9, shear: 60, elasticAlpha: 200,
                                                    elasticSigma: 1, noise: 1)
        let images: [[UInt8]] = [[UInt8](repeating: 255, count: 28 * 28), (0 ..< 28 * 28).map { UInt8(($0 * 37) % 256) }]
        for configuration in [AugmentationConfiguration.standard, .strong, extreme] {
            let augmenter = Augmenter(configuration: configuration, height: 28, width: 28)
            for (i, image) in images.enumerated() {
                for index in 0 ..< 20 {
                    let out = augmenter.augmented(image, stream: Augmenter.stream(seed: 9, epoch: 1, index: index))
                    #expect(out.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 255 }, "\(configuration), image \(i), sample \(index)")
                }
            }
        }
        let black = [UInt8](repeating: 0, count: 28 * 28)
        let geometric = Augmenter(configuration: .strong, height: 28, width: 28)
        #expect(geometric.augmented(black, stream: Augmenter.stream(seed: 1, epoch: 0, index: 3)).allSatisfy { $0 == 0 })
    }

    /// The pixels are a function of (seed, epoch, sample index): equal keys give equal pixels,
    /// any other key gives others.
    @Test func sameKeySamePixels() throws {
        for configuration in [AugmentationConfiguration.standard, .strong, try AugmentationConfiguration(noise: 0.2)] {
            try sameKeySamePixels(configuration)
        }
    }

    func sameKeySamePixels(_ configuration: AugmentationConfiguration) throws {
        let image = (0 ..< 28 * 28).map { UInt8(($0 * 13) % 256) }
        let a = Augmenter(configuration: configuration, height: 28, width: 28)
        let b = Augmenter(configuration: configuration, height: 28, width: 28)
        let reference = a.augmented(image, stream: Augmenter.stream(seed: 4, epoch: 2, index: 17))
        #expect(b.augmented(image, stream: Augmenter.stream(seed: 4, epoch: 2, index: 17)) == reference)
        #expect(a.augmented(image, stream: RandomStream(seed: 4, purpose: .augmentation, 2, 17)) == reference)
        #expect(a.augmented(image, stream: Augmenter.stream(seed: 4, epoch: 2, index: 18)) != reference)
        #expect(a.augmented(image, stream: Augmenter.stream(seed: 4, epoch: 3, index: 17)) != reference)
        #expect(a.augmented(image, stream: Augmenter.stream(seed: 5, epoch: 2, index: 17)) != reference)
        // Earlier calls leave nothing behind in the scratch memory.
        #expect(a.augmented(image, stream: Augmenter.stream(seed: 4, epoch: 2, index: 17)) == reference)
    }

    /// Elastic strength 0 displaces nothing; otherwise the field has the size Simard's recipe
    /// predicts: the RMS of a uniform [−1, 1) field smoothed by a normalised Gaussian of σ is
    /// about `√(1/3) / (2√π σ)`, times α.
    @Test func elasticField() {
        let stream = Augmenter.stream(seed: 2, epoch: 0, index: 5)
        let still = ElasticDistortion(alpha: 0, sigma: 4, height: 28, width: 28).displacementField(stream: stream, height: 28, width: 28)
        #expect(still.x.allSatisfy { $0 == 0 } && still.y.allSatisfy { $0 == 0 })

        let (size, sigma, alpha) = (64, 3.0, 10.0)
        var sumOfSquares = 0.0, count = 0
        for index in 0 ..< 8 {
            let field = ElasticDistortion(alpha: alpha, sigma: sigma, height: size, width: size)
                .displacementField(stream: Augmenter.stream(seed: 2, epoch: 0, index: index), height: size, width: size)
            // The interior only: near the border the zero padding shrinks the field.
            for r in 12 ..< size - 12 {
                for c in 12 ..< size - 12 {
                    sumOfSquares += Double(field.x[r * size + c] * field.x[r * size + c] + field.y[r * size + c] * field.y[r * size + c])
                    count += 2
                }
            }
        }
        let rms = (sumOfSquares / Double(count)).squareRoot()
        let predicted = alpha * (1.0 / 3).squareRoot() / (2 * Double.pi.squareRoot() * sigma)
        #expect(rms > 0.8 * predicted && rms < 1.25 * predicted, "RMS displacement \(rms), predicted \(predicted)")
    }

    /// The smoothed field equals a direct 2-D sum over the kernel's taps with zero outside the
    /// image, on a non-square image and with a kernel wider than the image in one direction.
    @Test(arguments: [(1.5, 9, 13), (4.0, 5, 11)])
    func elasticFieldMatchesADirectSum(sigma: Double, height: Int, width: Int) {
        let stream = Augmenter.stream(seed: 3, epoch: 1, index: 2)
        let elastic = ElasticDistortion(alpha: 2, sigma: sigma, height: height, width: width)
        let field = elastic.displacementField(stream: stream, height: height, width: width)
        let weights = elastic.kernel.weights, r = elastic.kernel.radius
        let raw = (0 ..< height * width).map { stream.uniformPair(UInt64($0)) }
        for (axis, actual) in [(0, field.x), (1, field.y)] {
            var expected = [Float](repeating: 0, count: height * width)
            for y in 0 ..< height {
                for x in 0 ..< width {
                    var sum: Double = 0
                    for dy in -r ... r where (0 ..< height).contains(y + dy) {
                        for dx in -r ... r where (0 ..< width).contains(x + dx) {
                            let (u, v) = raw[(y + dy) * width + x + dx]
                            sum += Double(weights[r + dy]) * Double(weights[r + dx]) * Double(2 * (axis == 0 ? u : v) - 1)
                        }
                    }
                    expected[y * width + x] = Float(2 * sum)
                }
            }
            expectClose(actual, expected, atol: 1e-5, rtol: 1e-4, "axis \(axis), σ \(sigma), \(height)×\(width)")
        }
    }

    @Test func gaussianKernel() {
        let kernel = GaussianKernel(sigma: 2, maximumRadius: 100)
        #expect(kernel.radius == 6 && kernel.weights.count == 13)
        #expect(abs(kernel.weights.reduce(0, +) - 1) < 1e-6)
        #expect(kernel.weights == kernel.weights.reversed())
        #expect(kernel.weights[6] > kernel.weights[5] && kernel.weights[5] > kernel.weights[0])
        // Taps that could only meet the padding are dropped; the kept ones are unchanged.
        let capped = GaussianKernel(sigma: 2, maximumRadius: 3)
        #expect(capped.weights == Array(kernel.weights[3 ... 9]))
    }
}
