#!/usr/bin/env bash
# Multi-process training is exact: builds the MPI binary (FOVEA_MPI=1; in an existing release
# build folder that recompiles only the modules FoveaMPI and fovea, seconds),
# then checks that `mpirun -np P fovea train …` ends with the weights_sha256 of a single process
# for P = 1, 2, 3, with the same train and test figures (three configurations: 2 shards per step
# with SGD; 4 shards per step with Adam, gradient clipping and 2 threads per process; batch
# normalization, 4 shards per step); that a run resumed with another P, or without
# MPI at all, from an epoch's checkpoint or from the last.fovea Ctrl-C to mpirun saved
# mid-epoch, equals the run that never stopped; that kill -9 of one rank ends the job within
# seconds, mpirun naming the rank, with last.fovea whole; and that a frozen rank (SIGSTOP) ends the
# job after FOVEA_MPI_TIMEOUT seconds, the waiting rank saying so. Installs Open MPI (Debian/Ubuntu) if it
# is missing and this runs as root. Exit status 0 only if every check passes (about two minutes
# once the release build exists).
# Usage: scripts/mpi-test.sh            (FOVEA_MPI_BUILD_PATH to use another build folder)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if ! command -v mpirun > /dev/null || ! pkg-config --exists ompi 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
        echo "mpi-test: installing openmpi-bin libopenmpi-dev"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openmpi-bin libopenmpi-dev > /dev/null
    else
        echo "mpi-test: Open MPI is missing: install openmpi-bin and libopenmpi-dev (apt), then run again" >&2
        exit 1
    fi
fi

build=${FOVEA_MPI_BUILD_PATH:-.build}
FOVEA_MPI=1 swift build -c release --build-path "$build" --product fovea 2>&1 | grep -E "error|warning: unre|Compiling Fovea|Build" || true
case $build in /*) fovea="$build/release/fovea" ;; *) fovea="$root/$build/release/fovea" ;; esac
[ -x "$fovea" ] || { echo "mpi-test: the build did not produce $fovea" >&2; exit 1; }

# As root in a container mpirun needs these; --oversubscribe lets 3 processes share 2 cores;
# shared-memory transfers without ptrace (often restricted in containers).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none --mca btl_vader_single_copy_mechanism none)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
data=(--data "$root/data/mnist")
digest() { "$fovea" inspect "$1" | sed -n 's/^weights_sha256: //p'; }
failures=0
check() {  # check WHAT EXPECTED ACTUAL
    if [ "$2" = "$3" ] && [ -n "$3" ]; then
        echo "  ok    $1: $3"
    else
        echo "  FAIL  $1: $3, expected $2" >&2
        failures=$((failures + 1))
    fi
}

# The test figures of the epoch line (the evaluation is split across the ranks).
figures() { sed -n 's/.*\(train loss .* acc [0-9.]*%  test loss [0-9.]* acc [0-9.]*%\).*/\1/p' "$1"; }
models=(lenet-small lenet-small "conv(8,3,pad=1) batchnorm relu maxpool(2) flatten dense(32) batchnorm relu dense(10)")
configurations=(
    "--limit 2000 --epochs 1 --threads 1"
    "--limit 1000 --epochs 1 --batch-size 100 --optimizer adam --lr 0.002 --clip-grad-norm 0.5 --threads 2"
    "--limit 1000 --epochs 1 --batch-size 128 --threads 1"
)
for n in 0 1 2; do
    read -r -a flags <<< "${configurations[$n]}"
    flags+=(--model "${models[$n]}")
    echo "mpi-test: fovea train ${flags[*]}"
    "$fovea" train "${data[@]}" "${flags[@]}" --run-dir "c$n-single" > "c$n-single.out" 2>&1
    reference=$(digest "c$n-single/last.fovea")
    echo "  single process (no mpirun): $reference"
    for P in 1 2 3; do
        "${mpi[@]}" -np "$P" "$fovea" train "${data[@]}" "${flags[@]}" --run-dir "c$n-p$P" > "c$n-p$P.out" 2>&1
        check "mpirun -np $P" "$reference" "$(digest "c$n-p$P/last.fovea")"
        check "mpirun -np $P: train and test figures" "$(figures "c$n-single.out")" "$(figures "c$n-p$P.out")"
        # Only rank 0 reports: one epoch line, whatever P.
        lines=$(grep -c "^epoch 1/1\|epoch 1/1  train" "c$n-p$P.out" || true)
        check "mpirun -np $P: epoch lines printed" 1 "$lines"
    done
done

echo "mpi-test: --json under mpirun"
"${mpi[@]}" -np 2 "$fovea" train "${data[@]}" --limit 500 --epochs 1 --model lenet-small --threads 1 --json --run-dir json > json.out 2> json.err
check "one JSON epoch object with the exchange per step" 1 \
    "$(grep -c '^{"epoch":1,.*"exchange_bytes_received":2502[0-9][0-9]\.[0-9],"exchange_bytes_sent":2502[0-9][0-9]\.[0-9],"exchange_seconds":[0-9.e-]*}$' json.out || true)"

echo "mpi-test: resume across process counts (2 epochs of lenet-small on 2,000 samples)"
# Resumed from the epoch-1 checkpoint of a 2-epoch run, into a run folder of its own: the plan
# (schedule, epochs) is the file's, so the resumed run must equal the one that never stopped.
flags=(--limit 2000 --model lenet-small --epochs 2 --threads 1)
"$fovea" train "${data[@]}" "${flags[@]}" --run-dir whole > whole.out 2>&1
reference=$(digest whole/last.fovea)
echo "  single process, 2 epochs: $reference"
"${mpi[@]}" -np 3 "$fovea" train "${data[@]}" "${flags[@]}" --run-dir p3 > p3.out 2>&1
check "mpirun -np 3, 2 epochs" "$reference" "$(digest p3/last.fovea)"
"${mpi[@]}" -np 2 "$fovea" train --resume p3/epoch-0001.fovea --run-dir p3then2 > p3then2.out 2>&1
check "epoch 1 with 3 processes, epoch 2 resumed with 2" "$reference" "$(digest p3then2/last.fovea)"
"$fovea" train --resume p3/epoch-0001.fovea --run-dir p3then1 > p3then1.out 2>&1
check "epoch 1 with 3 processes, epoch 2 resumed without mpirun" "$reference" "$(digest p3then1/last.fovea)"
"${mpi[@]}" -np 3 "$fovea" train --resume whole/epoch-0001.fovea --run-dir 1then3 > 1then3.out 2>&1
check "epoch 1 without mpirun, epoch 2 resumed with 3" "$reference" "$(digest 1then3/last.fovea)"

echo "mpi-test: Ctrl-C to mpirun mid-epoch, then resume with another process count"
# SIGINT to mpirun reaches every rank (as SIGTERM); they agree to stop after the same step, rank 0
# saves last.fovea, and the run resumed from it with 3 processes equals the one that never stopped.
# Four epochs: on Zen 5 two ranks train an epoch of lenet-small in 1 s, and mpirun took up to 2 s to
# pass the signal on, so a one-epoch run sometimes finished first (session 9's CI).
flags=(--limit 60000 --model lenet-small --epochs 4 --threads 1)
"$fovea" train "${data[@]}" "${flags[@]}" --run-dir straight > straight.out 2>&1
reference=$(digest straight/last.fovea)
echo "  single process: $reference"
setsid "${mpi[@]}" -np 2 "$fovea" train "${data[@]}" "${flags[@]}" --save-every 10 --run-dir stopped > stopped.out 2>&1 &
launcher=$!
for _ in $(seq 600); do [ -f stopped/last.fovea ] && break; sleep 0.1; done
kill -INT "$launcher"
wait "$launcher" || true
position=$("$fovea" inspect stopped/last.fovea | sed -n 's/^position: //p')
echo "  stopped at: $position"
# The signal can land on an epoch's last step, and the message then says "after epoch N of M".
check "a stop message naming the position, once" 1 "$(grep -cE 'stopped (in epoch [0-9]+ after step|after epoch [0-9]+ of)' stopped.out || true)"
"${mpi[@]}" -np 3 "$fovea" train --resume stopped/last.fovea > resumed.out 2>&1
check "stopped with 2 processes mid-epoch, resumed with 3" "$reference" "$(digest stopped/last.fovea)"

# strike SIGNAL FOLDER TENTHS [MPIRUN FLAGS…]: starts a 2-process run writing FOLDER (output in
# FOLDER.out), sends SIGNAL to one rank once FOLDER/last.fovea exists, and waits up to TENTHS
# tenths of a second for the job to end; sets `ended` (yes or no), killing a job that did not.
strike() {
    local signal=$1 folder=$2 tenths=$3
    shift 3
    setsid "${mpi[@]}" "$@" -np 2 "$fovea" train "${data[@]}" "${flags[@]}" --save-every 10 --run-dir "$folder" > "$folder.out" 2>&1 &
    local launcher=$!
    for _ in $(seq 600); do [ -f "$folder/last.fovea" ] && break; sleep 0.1; done
    local victim
    victim=$(pgrep -P "$launcher" -f "fovea train" | tail -1)
    kill "-$signal" "$victim"
    ended=no
    for _ in $(seq "$tenths"); do kill -0 "$launcher" 2>/dev/null || { ended=yes; break; }; sleep 0.1; done
    if [ "$ended" = no ]; then kill -CONT "$victim" 2>/dev/null || true; kill -KILL "$victim" "$launcher" 2>/dev/null || true; fi
    wait "$launcher" 2>/dev/null || true
}

echo "mpi-test: a killed rank ends the job"
strike KILL killed 150
check "the job ended within 15 s of kill -9 of one rank" yes "$ended"
check "mpirun named the killed rank" 1 "$(grep -c 'process rank [0-9]* .*exited on signal 9' killed.out || true)"
check "last.fovea is whole after the kill" yes "$("$fovea" inspect killed/last.fovea > /dev/null 2>&1 && echo yes || echo no)"

echo "mpi-test: a hung rank ends the job (FOVEA_MPI_TIMEOUT=2.5)"
# SIGSTOP freezes one rank; the other waits 2.5 s in its next collective, names what it waited for
# and ends the job (mpirun then kills the frozen one).
strike STOP hung 300 -x FOVEA_MPI_TIMEOUT=2.5
check "the job ended within 30 s of one rank's SIGSTOP" yes "$ended"
# (mpirun sends SIGCONT before it kills, so the frozen rank may wake and say the same of its wait.)
said=$(grep -c 'waited 2\.5 s in .* for \(rank [01]\|the other ranks\) (hung, stopped or far behind); ending the job' hung.out || true)
check "a waiting rank said what it waited for" yes "$([ "$said" -ge 1 ] && echo yes || echo no)"
check "last.fovea is whole after the hang" yes "$("$fovea" inspect hung/last.fovea > /dev/null 2>&1 && echo yes || echo no)"

echo "mpi-test: a bad FOVEA_MPI_TIMEOUT is refused"
status=0
FOVEA_MPI_TIMEOUT=soon "${mpi[@]}" -x FOVEA_MPI_TIMEOUT -np 2 "$fovea" train "${data[@]}" --limit 100 --epochs 1 --model lenet-small --run-dir timeout > timeout.out 2>&1 || status=$?
check "exit status" 1 "$status"
check "the reason, from each rank" 2 "$(grep -c '^fovea: FOVEA_MPI_TIMEOUT=soon: not a positive number of seconds' timeout.out || true)"

# Nothing but the run folders given: the other ranks wrote nothing of their own.
stray=$(find . -maxdepth 1 -mindepth 1 -type d ! -name 'c?-*' ! -name whole ! -name 'p3*' ! -name 1then3 ! -name straight ! -name stopped ! -name killed ! -name hung ! -name timeout ! -name json | wc -l)
check "folders other than the run folders" 0 "$stray"

if [ "$failures" -gt 0 ]; then
    echo "mpi-test: $failures check(s) failed (outputs in $work, kept)" >&2
    trap - EXIT
    exit 1
fi
echo "mpi-test: every digest equals the single-process run's"
