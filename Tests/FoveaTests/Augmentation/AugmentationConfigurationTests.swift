import Foundation
import Testing
import Fovea

@Suite struct AugmentationConfigurationTests {
    /// Each parameter out of range (or not finite) is refused, naming the parameter.
    @Test(arguments: [
        (AugmentationConfiguration.Parameter.translation, -1.0, "augmentation translation is -1.0; it must be 0 or more pixels"),
        (.rotation, 181, "augmentation rotation is 181.0; it must be in 0…180 degrees"),
        (.scale, 1, "augmentation scale is 1.0; it must be in [0, 1) (the size factor is 1 ± scale)"),
        (.shear, 61, "augmentation shear is 61.0; it must be in 0…60 degrees"),
        (.elasticAlpha, -3, "augmentation elasticAlpha is -3.0; it must be 0 or more pixels"),
        (.elasticSigma, 0, "augmentation elasticSigma is 0.0; it must be a positive number of pixels"),
        (.noise, 1.5, "augmentation noise is 1.5; it must be in 0…1 (a fraction of full scale)"),
        (.translation, .infinity, "augmentation translation is inf; it must be 0 or more pixels"),
        (.elasticSigma, .nan, "augmentation elasticSigma is nan; it must be a positive number of pixels"),
    ])
    func refusesOutOfRange(parameter: AugmentationConfiguration.Parameter, value: Double, message: String) {
        func make() throws(AugmentationError) -> AugmentationConfiguration {
            switch parameter {
            case .translation: try AugmentationConfiguration(translation: value)
            case .rotation: try AugmentationConfiguration(rotation: value)
            case .scale: try AugmentationConfiguration(scale: value)
            case .shear: try AugmentationConfiguration(shear: value)
            case .elasticAlpha: try AugmentationConfiguration(elasticAlpha: value)
            case .elasticSigma: try AugmentationConfiguration(elasticSigma: value)
            case .noise: try AugmentationConfiguration(noise: value)
            }
        }
        do {
            _ = try make()
            Issue.record("\(parameter) \(value) was accepted")
        } catch {
            #expect(error.parameter == parameter)
            #expect(error.description == message)
        }
    }

    @Test func presets() throws {
        #expect(AugmentationConfiguration.none.isIdentity && AugmentationConfiguration.none.description == "none")
        #expect(AugmentationConfiguration.standard.description == "standard: translate ±2.5 px, rotate ±10°, scale ±10%, shear ±5°")
        #expect(AugmentationConfiguration.strong.description
            == "strong: translate ±2.5 px, rotate ±10°, scale ±10%, shear ±5°, elastic α 34 σ 4 px")
        #expect(!AugmentationConfiguration.standard.hasElastic && AugmentationConfiguration.strong.hasElastic)
        #expect(try AugmentationConfiguration(rotation: 7, noise: 0.05).description == "rotate ±7°, noise σ 0.05")
    }

    /// Encoding and decoding give the same configuration; an edited, out-of-range one is refused.
    @Test func codable() throws {
        let data = try JSONEncoder().encode(AugmentationConfiguration.strong)
        #expect(try JSONDecoder().decode(AugmentationConfiguration.self, from: data) == .strong)
        let edited = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "\"elasticSigma\":4", with: "\"elasticSigma\":-4")
        #expect(edited != String(decoding: data, as: UTF8.self))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AugmentationConfiguration.self, from: Data(edited.utf8)) }
    }
}
