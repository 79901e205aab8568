#!/usr/bin/env bash
# The issue-10 measurements on a lent GPU machine (the `device` tool: an H200, no Node, no network),
# in one run. Prepare here, after `npm ci`, with the session tools' GPU kit (tools/gpu-kit in the
# shared folder beside the checkout, not part of this repository):
#   bash <shared>/tools/gpu-kit/make-kit.sh workers/gpu-worker/src/main.ts bench/certify.ts bench/gpu/sweep.ts
# then with the device tool: run  carry [".gpukit"]  timeout_s 600
#   command "bash bench/gpu/device-check.sh"
# Every step's limit together is about 820 s, more than one command may run (600): choose the steps
# that fit with GPUX_DEVICE_STEPS (below), e.g. "cublas benchmark-4096 certify-auto" (the first
# H200 runs: cublas, adapters-toggles, sweep, certify-auto in 403 s; benchmark-4096, certify-auto at
# BENCH_CERTIFY_SIZES=4096 in 301 s).
# Everything lands in $OUT (device-check.tgz: one file per step; and summary.txt): cuBLAS SGEMM/HGEMM, the adapter's
# features with and without the Dawn toggles, the worker's benchmark tuned at 4096 with the
# toggles (every variant's figure, so the new ones are measured even where they lose), and
# bench:certify in both precisions, each at the size capacity would give its claim on this GPU
# (BENCH_CERTIFY_SIZES=auto: the size a join's challenges would have, 2048 to 8192 on an H200). Each step has its own time limit, so one that hangs
# leaves the rest measured. Then give the machine back.
set -uo pipefail
# The device tool brings back at most 8 files from $OUT: the steps write to a folder of their own,
# packed into $OUT/device-check.tgz after each step (so a run cut short keeps what it measured),
# beside summary.txt.
back=${OUT:-/tmp/gpu-device-check}
out=$(mktemp -d)
mkdir -p "$back"
toggles=${GPUX_DAWN_TOGGLES:-vulkan_enable_f16_on_nvidia,allow_unsafe_apis}
kit=.gpukit
# The kit is made on the development machine by the session tools' gpu-kit (not in this repository).
[ -f "$kit/run.sh" ] || {
  echo "device-check: no $kit/run.sh here: make the kit first (see this script's header), and carry $kit" >&2
  exit 2
}
summary=$out/summary.txt
: > "$summary"

# GPUX_DEVICE_STEPS: the steps to run (default all, in this order), e.g. "cublas sweep certify-auto".
# BENCH_CERTIFY_LIMIT_S: certify-auto's limit (default 200; at auto sizes on an H200 it was cut at
# 230 s before its last line). BENCH_SWEEP_ONLY (a regular expression over kernel names) and
# BENCH_SWEEP_PRECISIONS narrow the sweep (bench/gpu/sweep.ts).
steps=" ${GPUX_DEVICE_STEPS:-cublas adapters-plain adapters-toggles benchmark-4096 certify-auto sweep} "

step() { # step NAME SECONDS COMMAND...: runs it, keeps its output, notes its exit code and last line
  local name=$1 limit=$2
  shift 2
  [[ $steps == *" $name "* ]] || return 0
  local started=$SECONDS
  timeout "$limit" "$@" > "$out/$name.out" 2> "$out/$name.err"
  local rc=$?
  echo "$name: rc $rc in $((SECONDS - started)) s: $(tail -n 1 "$out/$name.out" | cut -c1-600)" | tee -a "$summary"
  pack
}
pack() { tar czf "$back/device-check.tgz" -C "$out" . && cp "$summary" "$back/summary.txt"; }

worker="node $kit/app/workers/gpu-worker/src/main.mjs"
step cublas 60 python3 "$kit/cublas.py" 1024,2048,4096,8192
step adapters-plain 30 bash "$kit/run.sh" $worker adapters --json
step adapters-toggles 30 bash "$kit/run.sh" $worker adapters --json --dawn-toggles "$toggles"
step benchmark-4096 240 bash "$kit/run.sh" $worker benchmark --json --retune \
  --sizes 1024,2048,4096 --tune-size 4096 --model H200 --dawn-toggles "$toggles"
step certify-auto "${BENCH_CERTIFY_LIMIT_S:-200}" env GPUX_DAWN_TOGGLES="$toggles" BENCH_CERTIFY_SIZES="${BENCH_CERTIFY_SIZES:-auto}" BENCH_CERTIFY_REPS="${BENCH_CERTIFY_REPS:-2}" \
  bash "$kit/run.sh" node "$kit/app/bench/certify.mjs"
# The shapes a GPU rewards, beyond the tuned family (bench/gpu/sweep.ts): each precision cut at
# BENCH_SWEEP_SECONDS; the figures so far are on the last line even when the step's limit ends it.
step sweep $((2 * ${BENCH_SWEEP_SECONDS:-100} + 60)) env GPUX_DAWN_TOGGLES="$toggles" \
  bash "$kit/run.sh" node "$kit/app/bench/gpu/sweep.mjs"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,power.draw --format=csv > "$out/nvidia-smi.csv" 2>&1
echo "done: $(date -u +%FT%TZ)" >> "$summary"
pack
