import FoveaCommands
import FuzzDriver

/// libFuzzer target: the metrics.csv reader of `fovea plot` (`MetricsTable.parse`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? MetricsTable.parse(bytes, file: "metrics.csv")
    return 0
}

@_cdecl("FuzzMetrics_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    runFuzzer(argc, argv, fuzzMetrics)
}
