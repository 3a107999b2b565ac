package main

import (
	"encoding/json"
	"strconv"
	"testing"
)

// TestBenchCommand runs `upg bench` on the embedded model with a tiny
// prompt and checks the report's figures are consistent (never its speed),
// with the bandwidth paired with each run (the default) and without.
func TestBenchCommand(t *testing.T) {
	for _, kv := range []string{"f16", "f32"} {
		paired := kv == "f16"
		out, err := run(t, "bench", "-t", "2", "-p", "8", "-n", "4", "-r", "3", "--kv", kv, "--membw-mib", "8", "--flops-time", "20ms", "--json", "--paired-membw="+strconv.FormatBool(paired))
		if err != nil {
			t.Fatal(err, out)
		}
		var rep benchReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("--json output is not JSON: %v\n%s", err, out)
		}
		// stories260K: 5 layers of 64-wide attention (4 KV heads of 8) and a 172-wide MLP, vocabulary 512.
		wantParams := int64(5*(64*64+2*32*64+64*64+3*64*172) + 512*64)
		if rep.KV != kv || rep.Threads != 2 || rep.PromptTokens != 8 || rep.DecodeTokens != 4 || rep.Repetitions != 3 ||
			rep.ParamsPerToken != wantParams || rep.WeightBytes != 4*wantParams || rep.PeakRSS <= 0 {
			t.Fatalf("report %+v", rep)
		}
		for name, s := range map[string]rateStats{"prefill": rep.Prefill, "decode": rep.Decode} {
			if len(s.Runs) != 3 || s.Min <= 0 || s.Min > s.Median || s.Median > s.Max {
				t.Errorf("%s: %+v", name, s)
			}
		}
		m := rep.Machine
		if m == nil || m.MemBW == nil || m.FMA == nil || m.MemBW.MedianGBps <= 0 || m.FMA.GFLOPs <= 0 || m.Threads != 2 {
			t.Fatalf("machine figures %+v", m)
		}
		switch p := rep.Paired; {
		case !paired:
			if eff := rep.EffectiveGBps / m.MemBW.MedianGBps; p != nil || rep.BandwidthEff != eff || eff <= 0 {
				t.Errorf("bandwidth efficiency %g (paired %+v), want %g", rep.BandwidthEff, p, eff)
			}
		case p == nil || len(p.GBps) != 3 || len(p.Efficiency) != 3:
			t.Fatalf("paired bandwidth %+v, want 3 runs", p)
		default:
			for i, bw := range p.GBps {
				if want := float64(rep.WeightBytes) * rep.Decode.Runs[i] / 1e9 / bw; bw <= 0 || p.Efficiency[i] != want {
					t.Errorf("run %d: %g GB/s, efficiency %g, want %g", i, bw, p.Efficiency[i], want)
				}
			}
			if rep.BandwidthEff != median(p.Efficiency) {
				t.Errorf("bandwidth efficiency %g, want the median of %v", rep.BandwidthEff, p.Efficiency)
			}
		}
		if want := 2 * float64(wantParams) * rep.Prefill.Median / 1e9; rep.PrefillGFLOPs != want || rep.PrefillFLOPEff <= 0 {
			t.Errorf("prefill %g GFLOP/s (efficiency %g), want %g", rep.PrefillGFLOPs, rep.PrefillFLOPEff, want)
		}
	}
}

// TestBenchMachineOnly: --membw and --flops without a model measure only the
// machine.
func TestBenchMachineOnly(t *testing.T) {
	out, err := run(t, "bench", "--membw", "--membw-mib", "4", "--flops", "--flops-time", "10ms", "-t", "1", "--json")
	if err != nil {
		t.Fatal(err, out)
	}
	var mr machineReport
	if err := json.Unmarshal([]byte(out), &mr); err != nil {
		t.Fatalf("--json output is not JSON: %v\n%s", err, out)
	}
	if mr.Threads != 1 || mr.MemBW == nil || mr.MemBW.BufferBytes != 4<<20 || mr.FMA == nil || mr.FMA.GFLOPs <= 0 {
		t.Fatalf("machine report %+v", mr)
	}
	out, err = run(t, "bench", "--membw", "--membw-mib", "4", "--json")
	var alone machineReport
	if err != nil || json.Unmarshal([]byte(out), &alone) != nil || alone.FMA != nil || alone.MemBW == nil {
		t.Fatalf("--membw alone: %v\n%s", err, out)
	}
}

func TestBenchErrors(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--kv", "f8"},
		{"bench", "-p", "0"},
		{"bench", "-r", "0"},
		{"bench", "-p", "500", "-n", "100"}, // beyond stories260K's 512 positions
		{"bench", "--membw", "--membw-mib", "0"},
	} {
		if out, err := run(t, args...); err == nil {
			t.Errorf("upg %v succeeded:\n%s", args, out)
		}
	}
}
