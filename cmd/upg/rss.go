package main

import "github.com/upgtools/upg/internal/sysinfo"

// peakRSS is the process's peak resident set size in bytes (0 when unknown).
func peakRSS() int64 { return sysinfo.PeakRSS() }
