#!/bin/bash
# Reviewer-assignment benchmark: gaodi's solver against the OR-Tools reference script, same run.
# Usage (from anywhere):  bench/assign/run.sh [S M L]
#   RUNS     timed runs per command (default 5; L uses RUNS_L, default 3)
#   VENV     Python venv (default /var/tmp/gaodi-bench-venv; created if missing)
#   DATA     instance folder (default /var/tmp/gaodi-bench/assign; instances generated if missing)
#   REF      folder with gen_instance.py, ref_mcf.py, check_assignment.py (default /work/shared/bench/assign)
#   SETUP_ONLY=1  create the venv and the instances, then stop
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
REF=${REF:-/work/shared/bench/assign}
REPEAT=${REPEAT:-$REF/../repeat.py}
VENV=${VENV:-/var/tmp/gaodi-bench-venv}
DATA=${DATA:-/var/tmp/gaodi-bench/assign}
RUNS=${RUNS:-5}
RUNS_L=${RUNS_L:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/gaodi-target}
INSTANCES=${*:-S M L}

# (a) Python venv with the reference's pinned packages
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet numpy==2.2.6 pyarrow ortools==9.15.6755
fi
PY="$VENV/bin/python"

# (b) instances
mkdir -p "$DATA"
for I in $INSTANCES; do
  [ -f "$DATA/$I/header.json" ] || "$PY" "$REF/gen_instance.py" --preset "$I" --out "$DATA/$I"
done
[ "${SETUP_ONLY:-0}" = 1 ] && exit 0

# (c) release build
(cd "$ROOT" && cargo build --release -p gaodi --quiet)
GAODI="$CARGO_TARGET_DIR/release/gaodi"

# (d) timed runs, checks
OUT=${OUT:-$DATA/results}
mkdir -p "$OUT"
summary() { # log of repeat.py -> "median_wall median_peak"
  awk '/^wall s/{w=$4} /^peak MiB/{p=$4} END{print w, p}' "$1"
}
ROWS=()
for I in $INSTANCES; do
  N=$RUNS; [ "$I" = L ] && N=$RUNS_L
  echo "## instance $I: OR-Tools SimpleMinCostFlow (ref_mcf.py), $N runs"
  "$PY" "$REPEAT" -n "$N" --warmup 1 --log "$OUT/log_ref_$I.txt" -- \
      "$PY" "$REF/ref_mcf.py" "$DATA/$I" "$OUT/ref_$I.csv" --timings "$OUT/ref_$I.jsonl" | tee "$OUT/rep_ref_$I.txt"
  "$PY" "$REF/check_assignment.py" "$DATA/$I" "$OUT/ref_$I.csv" | tee "$OUT/check_ref_$I.json"
  echo "## instance $I: gaodi assign solve, $N runs"
  "$PY" "$REPEAT" -n "$N" --warmup 1 --log "$OUT/log_gaodi_$I.txt" -- \
      "$GAODI" assign solve --instance "$DATA/$I" --out "$OUT/gaodi_$I.csv" | tee "$OUT/rep_gaodi_$I.txt"
  "$PY" "$REF/check_assignment.py" "$DATA/$I" "$OUT/gaodi_$I.csv" | tee "$OUT/check_gaodi_$I.json"
  read -r RW RP < <(summary "$OUT/rep_ref_$I.txt")
  read -r GW GP < <(summary "$OUT/rep_gaodi_$I.txt")
  RO=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["objective_e4"], "ok" if d["ok"] else "FAIL")' "$OUT/check_ref_$I.json")
  GO=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["objective_e4"], "ok" if d["ok"] else "FAIL")' "$OUT/check_gaodi_$I.json")
  ROWS+=("$I $N $RW $RP $GW $GP $RO $GO")
done

# (e) table
echo
echo "| inst | runs | OR-Tools wall s (median) | OR-Tools peak MiB | gaodi wall s (median) | gaodi peak MiB | speed-up | memory ratio | OR-Tools objective_e4 | gaodi objective_e4 |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for r in "${ROWS[@]}"; do
  set -- $r
  awk -v i="$1" -v n="$2" -v rw="$3" -v rp="$4" -v gw="$5" -v gp="$6" -v ro="$7" -v rok="$8" -v go="$9" -v gok="${10}" \
    'BEGIN{printf "| %s | %s | %.3f | %.0f | %.3f | %.0f | %.1fx | %.2f | %s (%s) | %s (%s) |\n", i, n, rw, rp, gw, gp, rw/gw, gp/rp, ro, rok, go, gok}'
done
