import Foundation

/// The processor's cache sizes as Linux reports them (`/sys/devices/system/cpu/cpu0/cache`), for
/// `fovea bench` to set a training workspace beside: a shard that fits the last-level cache
/// streams its activations from there, one that does not from memory.
public enum CacheSizes {
    /// Bytes of the largest-level cache CPU 0 reports (L3 on the machines Fovea is measured on),
    /// with its level, or `nil` where sysfs does not say.
    public static var lastLevel: (level: Int, bytes: Int)? {
        let root = "/sys/devices/system/cpu/cpu0/cache"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else { return nil }
        var best: (level: Int, bytes: Int)?
        for entry in entries where entry.hasPrefix("index") {
            guard let level = read("\(root)/\(entry)/level").flatMap({ Int($0) }),
                  let size = read("\(root)/\(entry)/size").flatMap(parseSize) else { continue }
            if best.map({ level > $0.level }) ?? true { best = (level, size) }
        }
        return best
    }

    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `"32768K"`, `"1M"` or a plain byte count, as sysfs writes a cache size.
    public static func parseSize(_ text: String) -> Int? {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        if let unit = text.last, let scale = units[unit] {
            return Int(text.dropLast()).flatMap { $0.multipliedReportingOverflow(by: scale).overflow ? nil : $0 * scale }
        }
        return Int(text)
    }
}
