#!/usr/bin/env bash
# Measures the converter's peak memory on a synthetic Phi-4-shaped checkpoint
# of at least 1 B parameters (issue: peak RSS well under the model size).
#
#   scripts/convert-rss.sh [LAYERS] [WORKDIR]
#
# LAYERS (default 4) Phi-4 layers are kept: 4 layers = 2.39 B parameters,
# 4.8 GB of BF16 (the 100352×5120 embedding and output head are 1.03 B of
# them). Needs ~6 GB of disk in WORKDIR (default /tmp/upg-rss). The figures
# come from the converter's own metadata.json (getrusage peak RSS, wall time).
set -euo pipefail
cd "$(dirname "$0")/.."
layers=${1:-4}
work=${2:-/tmp/upg-rss}
mkdir -p "$work"
go build -o "$work/upg" ./cmd/upg
src="$work/phi4-l$layers"
out="$work/phi4-l$layers-upg"
[ -f "$src/config.json" ] || "$work/upg" synth --preset phi-4 --layers "$layers" -o "$src"
rm -rf "$out" "$out.partial"
"$work/upg" convert "$src" -o "$out" --no-check "${@:3}"
python3 - "$src" "$out" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(out, "metadata.json")))
srcb = sum(os.path.getsize(os.path.join(src, f)) for f in os.listdir(src) if f.endswith(".safetensors"))
c = m["conversion"]
print(f"model: {m['source']['params']/1e9:.3f} B params, {srcb/2**30:.2f} GiB of safetensors")
print(f"largest tensor (BF16): {max(t['params'] for t in m['tensors'])*2/2**30:.2f} GiB")
print(f"output: {m['upg_bytes']/2**30:.3f} GiB, ratio {m['ratio']:.2f}:1, {m['bpw']:.3f} bpw, calibration {m['settings']['calibration']}")
print(f"peak RSS: {c['peak_rss_bytes']/2**30:.2f} GiB = {c['peak_rss_bytes']/srcb:.1%} of the model")
print(f"time: {c['seconds']:.0f} s, {c['params_per_second_per_core']/1e6:.2f} M params/s/core ({c['threads']} threads)")
PY
