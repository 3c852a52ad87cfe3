/// The entry point of every fuzz target. SwiftPM links an executable target's `main` as an alias
/// of `<Target>_main` (`--defsym main=…`), which leaves no room for libFuzzer's own `main`; so
/// each target defines `<Target>_main` with `@_cdecl` and hands its arguments to libFuzzer's
/// driver through `runFuzzer`, with the function that takes one input.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: FuzzInput
) -> CInt

/// Runs libFuzzer (its usual flags and corpus folders in `argv`) on `callback`.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>, _ callback: FuzzInput) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}
