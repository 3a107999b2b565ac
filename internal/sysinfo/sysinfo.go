// Package sysinfo reads the few facts about the machine and process that
// upg reports or checks: peak resident memory and free disk space.
package sysinfo
