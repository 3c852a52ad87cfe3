#!/usr/bin/env bash
# Runs the test suite (README's `swift test -c release`) under a sanitizer:
#
#   scripts/sanitize.sh [address|thread]…      (no argument: address, then thread)
#
# Each sanitizer builds in its own folder (.build/sanitize-<name>), so the plain build is left
# alone. Release builds: the numeric tests are too slow in debug, and the sanitizers instrument
# optimised code just as well. Any report fails the run (halt_on_error).
#
# ThreadSanitizer reads scripts/tsan-suppressions.txt, which names each deliberate lock-free
# design that TSan cannot see through and why; nothing else is suppressed.
set -euo pipefail
cd "$(dirname "$0")/.."

sanitizers=("$@")
[ ${#sanitizers[@]} -gt 0 ] || sanitizers=(address thread)
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in
        address)
            # ProcessTests.hugeKernelIsSummarisedWithoutHugeAllocation runs fovea under
            # `ulimit -v`, which ASan's shadow memory does not fit in; the fuzz targets' malloc
            # limit covers what it checks.
            extra=(--skip 'hugeKernelIsSummarisedWithoutHugeAllocation')
            export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1"
            export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt:print_suppressions=0"
            ;;
        thread)
            export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/tsan-suppressions.txt"
            # ProcessTests.secondCtrlCExitsAtOnce assumes a second Ctrl-C is handled long before
            # the step in progress ends. Under TSan it ran 950 s (mnist-cnn at one thread,
            # instrumented, beside other jobs) and the run saved after its step instead, most
            # likely because TSan delivers an asynchronous signal to a thread only at its next
            # intercepted call; the timing the test relies on does not hold (no race reported). The other signal tests
            # (SIGINT saves and resumes, SIGTERM exits 143, SIGKILL during writes) still run
            # the signal handling under TSan.
            # ProcessTests.fileSizeLimitIsAnErrorNotASignal runs fovea under `ulimit -f 16`; the
            # TSan runtime itself dies of SIGBUS at start-up under that limit (before any Fovea
            # code runs: "ThreadSanitizer: BUS on unknown address"), so the test cannot run here.
            # ProcessTests.hugeKernelIsSummarisedWithoutHugeAllocation limits the address space
            # (`ulimit -v`), which no sanitizer runtime's shadow memory fits in (under ASan too).
            extra=(--skip 'secondCtrlCExitsAtOnce|fileSizeLimitIsAnErrorNotASignal|hugeKernelIsSummarisedWithoutHugeAllocation')
            ;;
        *) echo "usage: scripts/sanitize.sh [address|thread]…" >&2; exit 2 ;;
    esac
    echo "sanitize.sh: swift test -c release --sanitize=$sanitizer" >&2
    start=$(date +%s)
    swift test -c release --sanitize="$sanitizer" --scratch-path ".build/sanitize-$sanitizer" ${extra[@]+"${extra[@]}"}
    echo "sanitize.sh: $sanitizer clean in $(( $(date +%s) - start )) s (build and tests)" >&2
done
