#!/bin/bash
# Analytics benchmark: gaodi's roll-up engine against DuckDB on the 21.6M-fact national data
# set of /work/shared/bench/analytics, same data, same run. See RESULTS.md.
#
# Usage (from anywhere):  bench/analytics/run.sh
#   REPS=5      steps repeated in one process (DuckDB --reps, our REPS); medians reported
#   RUNS=5      whole-process runs (load + every step once) through repeat.py, after 1 warm-up
#   THREADS=2   threads of our engine (DuckDB uses its default, the 2 cores)
#   DATA=/var/tmp/gaodi-bench/analytics/data   generated once (gen_data.py, seed 7)
#   OUT=/var/tmp/gaodi-bench/analytics/results JSON lines and logs of this run
#   VENV=/var/tmp/gaodi-bench-venv-analytics  numpy, pyarrow, duckdb (created if missing)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-/work/shared/bench}
VENV=${VENV:-/var/tmp/gaodi-bench-venv-analytics}
DATA=${DATA:-/var/tmp/gaodi-bench/analytics/data}
OUT=${OUT:-/var/tmp/gaodi-bench/analytics/results}
REPS=${REPS:-5}
RUNS=${RUNS:-5}
THREADS=${THREADS:-2}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/var/tmp/gaodi-target}

if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q numpy==2.4.6 pyarrow==26.0.1 duckdb==2.0.1
fi
PY="$VENV/bin/python"
[ -f "$DATA/header.json" ] || "$PY" "$SHARED/analytics/gen_data.py" --out "$DATA"
# One-off conversion of facts.parquet into raw little-endian columns (not timed; checked
# against the sha256 of header.json).
[ -f "$DATA/facts.raw" ] || "$PY" "$HERE/to_raw.py" "$DATA"

BIN=$(cd "$ROOT" && cargo bench -p gaodi-domain --bench analytics --no-run --message-format=json 2>/dev/null |
  "$PY" -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "analytics" and m.get("executable"):
        print(m["executable"])')
[ -x "$BIN" ] || { echo "bench binary not built" >&2; exit 1; }

mkdir -p "$OUT"
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## DuckDB $("$PY" -c 'import duckdb; print(duckdb.__version__)'): steps repeated $REPS times in one process"
"$PY" "$SHARED/analytics/queries_duckdb.py" "$DATA" --reps "$REPS" --json-out "$OUT/duckdb_reps.jsonl" --dump "$OUT/duckdb_dump"
cmp "$OUT/duckdb_dump/rank_ind5_p119.csv" "$SHARED/analytics/results/rank_ind5_p119.csv" &&
  echo "DuckDB ranking of this run = results/rank_ind5_p119.csv of the anchor"
echo "## gaodi roll-up engine: steps repeated $REPS times in one process, checked against the anchor and DuckDB above"
GAODI_ANALYTICS_DATA="$DATA" REPS="$REPS" THREADS="$THREADS" DUCKDB_JSON="$OUT/duckdb_reps.jsonl" \
  RANK_CSV="$SHARED/analytics/results/rank_ind5_p119.csv" JSON_OUT="$OUT/gaodi_reps.jsonl" "$BIN"
echo "## whole process, load + every step once, $RUNS runs after 1 warm-up (repeat.py: wall time, peak RSS)"
echo "### DuckDB"
"$PY" "$SHARED/repeat.py" -n "$RUNS" --warmup 1 --log "$OUT/log_duckdb_e2e.txt" -- \
  "$PY" "$SHARED/analytics/queries_duckdb.py" "$DATA" --reps 1 --json-out "$OUT/duckdb_e2e.jsonl"
echo "### gaodi"
GAODI_ANALYTICS_DATA="$DATA" REPS=1 THREADS="$THREADS" DUCKDB_JSON="$OUT/duckdb_reps.jsonl" \
  RANK_CSV="$SHARED/analytics/results/rank_ind5_p119.csv" JSON_OUT="$OUT/gaodi_e2e.jsonl" \
  "$PY" "$SHARED/repeat.py" -n "$RUNS" --warmup 1 --log "$OUT/log_gaodi_e2e.txt" -- "$BIN"
echo "### /usr/bin/time -v, one more run each (Maximum resident set size)"
/usr/bin/time -v "$PY" "$SHARED/analytics/queries_duckdb.py" "$DATA" --reps 1 2>&1 >/dev/null | grep -E 'Maximum resident|Elapsed' | sed 's/^/DuckDB: /'
GAODI_ANALYTICS_DATA="$DATA" REPS=1 THREADS="$THREADS" /usr/bin/time -v "$BIN" 2>&1 >/dev/null | grep -E 'Maximum resident|Elapsed' | sed 's/^/gaodi:  /'
echo "## step medians (s): DuckDB (--reps $REPS) vs gaodi (REPS=$REPS)"
"$PY" - "$OUT/duckdb_reps.jsonl" "$OUT/gaodi_reps.jsonl" "$OUT/duckdb_e2e.jsonl" "$OUT/gaodi_e2e.jsonl" "$RUNS" <<'PYEOF'
import json, statistics, sys
last = lambda p: json.loads(open(p).read().strip().splitlines()[-1])
d, g = last(sys.argv[1]), last(sys.argv[2])
runs = lambda p, n: [json.loads(l) for l in open(p).read().strip().splitlines()][-n:]
n = int(sys.argv[5]) + 1
de, ge = runs(sys.argv[3], n), runs(sys.argv[4], n)
print(f"{'step':<38}{'DuckDB':>10}{'gaodi':>10}")
print(f"{'load (first rep, e2e median)':<38}{statistics.median(r['load_s'] for r in de):>10.4f}{statistics.median(r['load_s'] for r in ge):>10.4f}")
for k in ["a1_rollup_closure", "a2_rollup_cascade", "b_ratios", "c1_rank_from_ind", "c2_rank_from_raw",
          "one_period_fill", "one_period_rollup_indicators", "one_year_fill", "one_year_aggregate_rollup_indicators"]:
    dv, gv = d["steps_median_s"].get(k), g["steps_median_s"].get(k)
    f = lambda v: f"{v:>10.4f}" if v is not None else f"{'-':>10}"
    print(f"{k:<38}{f(dv)}{f(gv)}")
PYEOF
