package miniotest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// process is one run of the server binary. Its waiter goroutine ends when
// the process exits; stop kills the process if need be and waits for it.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited
	err  error         // the exit status, set before done is closed
}

func launch(bin string, args, env []string, logPath string) (*process, error) {
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("miniotest: open server log: %w", err)
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("miniotest: start %s: %w", bin, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop asks the server to shut down with SIGTERM, kills it if it has not
// exited after grace, and waits for it.
func (p *process) stop(grace time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitReady polls the server's health endpoint until it reports that it
// serves requests, the process exits, or ctx ends.
func (p *process) waitReady(ctx context.Context, endpoint string) error {
	client := &http.Client{Timeout: 5 * time.Second}
	url := "http://" + endpoint + "/minio/health/ready"
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if ready(ctx, client, url) {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("miniotest: server exited before it was ready: %v", p.err)
		case <-ctx.Done():
			return fmt.Errorf("miniotest: server not ready: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// ready reports a 200 answer without the header MinIO adds while its
// storage is still initialising.
func ready(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK && resp.Header.Get("X-Minio-Server-Status") != "offline"
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment
// ago; the server binds it soon after.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("miniotest: find a free port: %w", err)
	}
	addr := l.Addr().String()
	return addr, l.Close()
}
