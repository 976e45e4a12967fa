// libFuzzer's entry points for `scripts/fuzz` (built with `--sanitize fuzzer`, which links
// libFuzzer's own main). Declarations only: a normal build links an empty program.
import EdgeFuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTargets.run(Array(UnsafeRawBufferPointer(start: start, count: count)))
    return 0
}

/// Swift's runtime holds SIGILL/SIGTRAP for its backtracer, and libFuzzer does not replace a
/// handler that is already there: without this, a crash prints a backtrace and leaves no
/// crash-* file to turn into a regression test.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> CInt {
    for signal in [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV] { _ = Glibc.signal(signal, SIG_DFL) }
    return 0
}
