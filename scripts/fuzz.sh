#!/usr/bin/env bash
# Builds one libFuzzer target with -sanitize=fuzzer,address and runs it for SECONDS.
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags…]
#
# TARGET: idx, idx-gzip, checkpoint, checkpoint-crc, model-spec, png, jpeg, netpbm, matrix-text, metrics (or the
# target's name, e.g. FuzzIDX); `scripts/fuzz.sh list` lists them. The targets live in
# Fuzz/Targets and exist only when the manifest sees FOVEA_FUZZ=1, in their own build folder
# (.build/fuzz), so the default `swift build` and `swift test` are unaffected.
#
# Seeds: Fuzz/Corpus/<target>/ (committed, read only). New inputs go to .build/fuzz/corpus/<target>/
# (kept between runs, not committed). A crash, leak, timeout or over-allocation is written to
# Fuzz/Findings/<target>/; each one becomes a fix plus a regression test that reads it from
# Tests/FoveaTests/…/Resources.
#
# Limits: -malloc_limit_mb=512 (an input of at most -max_len=65536 bytes justifies no single
# allocation near that; a reader that asks for more than its input can justify is a finding),
# -rss_limit_mb=2048, -timeout=10 s per input.
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(idx:FuzzIDX idx-gzip:FuzzIDXGzip checkpoint:FuzzCheckpoint checkpoint-crc:FuzzCheckpointCRC
         model-spec:FuzzModelSpec png:FuzzPNG jpeg:FuzzJPEG netpbm:FuzzNetpbm matrix-text:FuzzMatrixText metrics:FuzzMetrics)
usage() { echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags…]; targets: ${targets[*]%%:*}" >&2; exit 2; }
[ $# -ge 1 ] || usage
if [ "$1" = list ]; then printf '%s\n' "${targets[@]%%:*}"; exit 0; fi
[ $# -ge 2 ] || usage
name="" product=""
for entry in "${targets[@]}"; do
    if [ "$1" = "${entry%%:*}" ] || [ "$1" = "${entry#*:}" ]; then name=${entry%%:*} product=${entry#*:}; fi
done
[ -n "$product" ] || usage
seconds=$2
shift 2

FOVEA_FUZZ=1 swift build -c release --scratch-path .build/fuzz --product "$product" \
    -Xswiftc -sanitize=fuzzer,address >&2

seeds=Fuzz/Corpus/$name
work=.build/fuzz/corpus/$name
findings=Fuzz/Findings/$name
mkdir -p "$work" "$findings"
echo "fuzz.sh: $product for ${seconds}s; seeds $seeds, corpus $work, findings $findings" >&2
exec ".build/fuzz/release/$product" "$work" "$seeds" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -malloc_limit_mb=512 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$@"
