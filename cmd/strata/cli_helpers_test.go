package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/broker"
)

// cliSettings keep test brokers quick: no initial rebalance delay and few
// offsets partitions.
var cliSettings = map[string]string{
	"group.initial.rebalance.delay.ms": "0",
	"offsets.topic.num.partitions":     "3",
}

// startCLIBroker starts an in-process broker for the test and returns its
// address.
func startCLIBroker(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := broker.Start(ctx, broker.Config{NodeID: 1, Listen: "127.0.0.1:0", DataDir: t.TempDir(), Settings: cliSettings})
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b.Addr().String()
}

// cliResult is what one in-process run of the strata command produced.
type cliResult struct {
	stdout, stderr string
	err            error
}

// runCLI executes the strata root command with args and stdin, capturing
// its output. Every run is bounded generously.
func runCLI(t *testing.T, stdin string, args ...string) cliResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return cliResult{stdout: out.String(), stderr: errOut.String(), err: err}
}

// mustCLI runs strata against addr and fails the test on an error.
func mustCLI(t *testing.T, addr, stdin string, args ...string) string {
	t.Helper()
	r := runCLI(t, stdin, append(args, "--bootstrap-server", addr)...)
	if r.err != nil {
		t.Fatalf("strata %s: %v\nstderr: %s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

// failCLI runs strata, expecting a failure explained in one line on stderr
// that contains want, and the given exit code.
func failCLI(t *testing.T, wantCode int, want string, args ...string) cliResult {
	t.Helper()
	r := runCLI(t, "", args...)
	if r.err == nil {
		t.Fatalf("strata %s: succeeded, want an error", strings.Join(args, " "))
	}
	if got := exitCode(r.err); got != wantCode {
		t.Errorf("strata %s: exit code %d, want %d (%v)", strings.Join(args, " "), got, wantCode, r.err)
	}
	line := strings.TrimSuffix(r.stderr, "\n")
	if line == "" || strings.Contains(line, "\n") {
		t.Errorf("strata %s: stderr is not one line: %q", strings.Join(args, " "), r.stderr)
	}
	if !strings.Contains(r.stderr, want) {
		t.Errorf("strata %s: stderr %q does not contain %q", strings.Join(args, " "), r.stderr, want)
	}
	return r
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// eventually polls check until it returns nil, failing after a generous
// deadline.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// recordView flattens a produced record for comparisons.
type recordView struct {
	key, value, headers string
	nullKey             bool
}

func viewRecord(r *kgo.Record, err error) (*recordView, error) {
	if err != nil {
		return nil, err
	}
	v := &recordView{key: string(r.Key), value: string(r.Value), nullKey: r.Key == nil}
	var hs []string
	for _, h := range r.Headers {
		hs = append(hs, h.Key+"="+string(h.Value))
	}
	v.headers = strings.Join(hs, ",")
	return v, nil
}
