/// Writing a chart to a file whose name says the format: `.svg` (`SVGRenderer`) or `.png`
/// (`RasterRenderer`, then `PNGWriter`), either way atomically (`AtomicFile`): an existing
/// file is left as it was or replaced whole.
public enum ChartFile {
    public enum Format: String, Sendable, CaseIterable {
        case svg, png
    }

    /// The format named by `path`'s extension (any case), or `nil`.
    public static func format(of path: String) -> Format? {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
        return Format(rawValue: path[path.index(after: dot)...].lowercased())
    }

    /// Writes `chart` to `path` in the format its extension names; returns the picture's size.
    @discardableResult
    public static func write(_ chart: LineChart, to path: String) throws(ChartFileError) -> (width: Int, height: Int) {
        guard let format = format(of: path) else { throw ChartFileError.unknownFormat(file: path) }
        let layout = ChartLayout(chart)
        let bytes: [UInt8]
        switch format {
        case .svg:
            bytes = Array(SVGRenderer.render(layout, title: chart.title).utf8)
        case .png:
            do {
                bytes = try PNGWriter.encode(RasterRenderer.render(layout))
            } catch {
                throw ChartFileError.unwritable(file: path, reason: "\(error)")
            }
        }
        do {
            try AtomicFile.write(bytes, to: path)
        } catch let .writeFailed(_, reason) {
            throw ChartFileError.unwritable(file: path, reason: reason)
        } catch {
            throw ChartFileError.unwritable(file: path, reason: "\(error)")
        }
        return (layout.width, layout.height)
    }
}

/// Why a chart could not be written; `description` is one line naming the file.
public enum ChartFileError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownFormat(file: String)
    case unwritable(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unknownFormat(file):
            "\(file): cannot tell the picture format from the name (name the file .svg or .png)"
        case let .unwritable(file, reason):
            "\(file): cannot write: \(reason) (check that the folder exists and is writable; an existing file is unchanged)"
        }
    }
}
