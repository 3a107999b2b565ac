#!/usr/bin/env bash
# Issue 4's speed figures on a synthetic TinyLlama-1.1B-shaped checkpoint:
# decode and prefill of the BF16 original, of its default UPG conversion
# (--prefer speed: LUT codecs) and of its --prefer quality conversion (vq
# codecs), measured one after the other on the same machine, with the
# machine's read bandwidth and FP32 FMA peak (docs/measurement.md
# definitions, medians; each decode run's efficiency against the bandwidth
# measured right after it).
#
#   scripts/bench-tinyllama.sh [WORKDIR] [THREADS]
#
# Needs ~2.8 GB of disk in WORKDIR (default /tmp/upg-bench). The checkpoint
# is generated (upg synth, seed 1) and converted (upg convert, defaults and
# --prefer quality) once and reused. Writes WORKDIR/bench-*.json and prints a
# summary table.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/upg-bench}
threads=${2:-2}
mkdir -p "$work"
go build -o "$work/upg" ./cmd/upg
src="$work/tinyllama-1.1b-seed1"
out="$work/tinyllama-1.1b-seed1-upg"
outq="$work/tinyllama-1.1b-seed1-upg-quality"
[ -f "$src/config.json" ] || "$work/upg" synth --preset tinyllama-1.1b --seed 1 -o "$src"
[ -f "$out/metadata.json" ] || "$work/upg" convert "$src" -o "$out" --no-check
[ -f "$outq/metadata.json" ] || "$work/upg" convert "$src" -o "$outq" --prefer quality --no-check
for m in bf16:"$src" upg:"$out" upgq:"$outq"; do
	name=${m%%:*} dir=${m#*:}
	"$work/upg" bench "$dir" -t "$threads" -p 64 -n 64 -r 7 --json >"$work/bench-$name-decode.json"
	"$work/upg" bench "$dir" -t "$threads" -p 512 -n 4 -r 3 --json >"$work/bench-$name-pp512.json"
done
python3 - "$work" <<'PY'
import json, os, sys
w = sys.argv[1]
def load(n): return json.load(open(os.path.join(w, f"bench-{n}.json")))
rows = {n: (load(f"{n}-decode"), load(f"{n}-pp512")) for n in ("bf16", "upg", "upgq")}
bf = rows["bf16"][0]["decode"]["median_tok_per_s"]
m = rows["bf16"][0]["machine"]
print(f"machine: read bandwidth {m['memory_read_bandwidth']['median_gb_per_s']:.1f} GB/s, "
      f"FP32 FMA peak {m['fp32_fma_peak']['gflop_per_s']:.0f} GFLOP/s ({m['threads']} threads)")
print("bw eff: median over the decode runs of each run's efficiency against the bandwidth measured right after it")
print(f"{'model':6} {'decode tok/s':>12} {'× BF16':>7} {'bw eff':>7} {'(GB/s)':>6} {'pp512 tok/s':>12} {'FLOP eff':>8} {'peak RSS MiB':>12}")
for name, (d, p) in rows.items():
    t = d["decode"]["median_tok_per_s"]
    bw = sorted(d["paired_bandwidth"]["read_gb_per_s"])
    print(f"{name:6} {t:12.2f} {t/bf:7.2f} {d['bandwidth_efficiency']:7.1%} {bw[len(bw)//2]:6.1f} "
          f"{p['prefill']['median_tok_per_s']:12.2f} {p['prefill_flop_efficiency']:8.1%} "
          f"{max(d['peak_rss_bytes'], p['peak_rss_bytes'])/2**20:12.0f}")
PY
