package kernels

import "syscall"

// osYield gives the thread's core to another runnable thread, if any
// (sched_yield): a spinning pool worker then costs a busy machine little.
func osYield() {
	syscall.RawSyscall(syscall.SYS_SCHED_YIELD, 0, 0, 0)
}
