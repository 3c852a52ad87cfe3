/// `fovea eval --png`: an autoencoder's work at a glance. One row per test image; in the columns
/// the clean input (set apart from the others), the corrupted input the network saw (denoising
/// runs only) and the reconstruction, each enlarged `zoom` times. The first channel of each
/// image is drawn, on the byte scale (values outside 0…255, which a reconstruction may have,
/// are clamped).
public struct ReconstructionGrid: Sendable {
    public let grid: ImageGrid

    /// The grid of `reconstructions` (at least one), each `height × width` (channel 0 drawn).
    public init(_ reconstructions: [Reconstruction], height: Int, width: Int, zoom: Int) {
        let corrupted = reconstructions.contains { $0.corrupted != nil }
        var grid = ImageGrid(rows: max(reconstructions.count, 1), columns: corrupted ? 3 : 2, cellHeight: height, cellWidth: width, zoom: zoom)
        let size = height * width
        for (row, sample) in reconstructions.enumerated() {
            let columns = [sample.input] + (corrupted ? [sample.corrupted ?? sample.input] : []) + [sample.output]
            for (column, image) in columns.enumerated() {
                grid.place(Array(image.prefix(size)), row: row, column: column)
            }
        }
        self.grid = grid
    }

    /// What the columns hold, in words: "clean input | corrupted input | reconstruction".
    public var columnTitles: String {
        grid.columns == 3 ? "clean input | corrupted input | reconstruction" : "input | reconstruction"
    }
}
