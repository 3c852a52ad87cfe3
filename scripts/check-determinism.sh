#!/usr/bin/env bash
# Trains the same run with several thread counts and checks that every epoch's JSON line is
# identical, apart from the wall-clock fields (samples_per_second, seconds).
# Usage: scripts/check-determinism.sh [extra fovea train flags…]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product fovea > /dev/null
args=(--limit 5000 --epochs 2 --seed 3 "$@")
strip() { sed -E 's/,"samples_per_second":[^,]*,"seconds":[^,]*//'; }
reference=""
for threads in 1 2 3; do
    lines=$(.build/release/fovea train "${args[@]}" --threads "$threads" --json 2>/dev/null)
    echo "--threads $threads"
    echo "$lines"
    stripped=$(echo "$lines" | strip)
    if [ -z "$reference" ]; then
        reference=$stripped
    elif [ "$stripped" != "$reference" ]; then
        echo "MISMATCH with --threads $threads" >&2
        exit 1
    fi
done
echo "identical for --threads 1, 2, 3 (wall-clock fields aside)"
