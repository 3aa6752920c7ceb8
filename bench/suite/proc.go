package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a process the suite started. Its waiter goroutine ends when the
// process exits; stop ends the process and waits for it.
type child struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{} // closed once the process has exited
	err     error         // the exit status, set before done is closed
}

// startChild runs bin with args and env (added to the suite's), appending
// its output to logPath.
func startChild(name, bin string, args, env []string, logPath string) (*child, error) {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("suite: %s log: %w", name, err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("suite: start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// stop sends SIGTERM, kills the process if it has not exited after grace,
// and waits for it.
func (c *child) stop(grace time.Duration) {
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// exited reports, without waiting, whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// logTail is the end of the child's log, for error messages.
func (c *child) logTail() string {
	b, err := os.ReadFile(c.logPath)
	if err != nil {
		return ""
	}
	if len(b) > 2048 {
		b = b[len(b)-2048:]
	}
	return strings.TrimSpace(string(b))
}

// freeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("suite: find a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// procStats are a process's memory and CPU figures from /proc.
type procStats struct {
	PeakRSS int64         // VmHWM, bytes
	RSS     int64         // VmRSS, bytes
	CPU     time.Duration // user + system
}

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat times: 100 on every
// Linux architecture the suite runs on.
const clockTicks = 100

var errProcFormat = errors.New("suite: unexpected /proc format")

func readProcStats(pid int) (procStats, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return procStats{}, fmt.Errorf("suite: read process status: %w", err)
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return procStats{}, fmt.Errorf("suite: read process stat: %w", err)
	}
	ps, err := parseStatus(status)
	if err != nil {
		return procStats{}, err
	}
	ps.CPU, err = parseStatCPU(stat)
	return ps, err
}

// parseStatus reads VmHWM and VmRSS (in kB) from /proc/<pid>/status.
func parseStatus(b []byte) (procStats, error) {
	var ps procStats
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return ps, fmt.Errorf("%w: %s line %q", errProcFormat, name, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return ps, fmt.Errorf("%w: %s: %w", errProcFormat, name, err)
		}
		if name == "VmHWM" {
			ps.PeakRSS = kb << 10
		} else {
			ps.RSS = kb << 10
		}
	}
	if ps.PeakRSS == 0 || ps.RSS == 0 {
		return ps, fmt.Errorf("%w: no VmHWM or VmRSS in status", errProcFormat)
	}
	return ps, nil
}

// parseStatCPU reads utime and stime (fields 14 and 15) of
// /proc/<pid>/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("%w: stat has no command name", errProcFormat)
	}
	f := strings.Fields(string(b[i+1:])) // f[0] is field 3, the state
	if len(f) < 13 {
		return 0, fmt.Errorf("%w: stat has %d fields", errProcFormat, len(f)+2)
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: stat times: %w", errProcFormat, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}
