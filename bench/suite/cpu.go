package main

import "time"

// cpuMeter measures the CPU time processes (and the suite itself) spend
// during one step, to say where a figure's time went.
type cpuMeter struct {
	pids   []int
	before []time.Duration
	self   time.Duration
}

// cpuSpent is what a cpuMeter measured: per process, in the order given,
// and the suite's own; a process whose stats cannot be read counts 0.
type cpuSpent struct {
	procs []time.Duration
	self  time.Duration
}

func startCPU(pids ...int) *cpuMeter {
	m := &cpuMeter{pids: pids, self: selfCPU()}
	for _, pid := range pids {
		m.before = append(m.before, procCPU(pid))
	}
	return m
}

func (m *cpuMeter) stop() cpuSpent {
	spent := cpuSpent{self: selfCPU() - m.self}
	for i, pid := range m.pids {
		spent.procs = append(spent.procs, max(0, procCPU(pid)-m.before[i]))
	}
	return spent
}

// procCPU is a process's user and system time, 0 when it cannot be read.
func procCPU(pid int) time.Duration {
	ps, err := readProcStats(pid)
	if err != nil {
		return 0
	}
	return ps.CPU
}
