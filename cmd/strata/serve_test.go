package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMain lets a test run this binary as the strata command: with
// STRATA_RUN_MAIN set, the test binary is strata.
func TestMain(m *testing.M) {
	if os.Getenv("STRATA_RUN_MAIN") != "" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `strata serve` as a child process.
func startServe(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--admin-listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "STRATA_RUN_MAIN=1")
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, &logs
}

// TestServeConfigAndGracefulShutdown starts `strata serve` with a config
// file and an override, produces through it, stops it with SIGTERM, and
// checks that every partition was closed cleanly and the settings applied.
func TestServeConfigAndGracefulShutdown(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfgFile := filepath.Join(dir, "strata.yaml")
	os.WriteFile(cfgFile, []byte("num.partitions: 2\noffsets.topic.num.partitions: 3\n"), 0o644)
	data := filepath.Join(dir, "data")
	cmd, logs := startServe(t, "--listen", addr, "--data-dir", data, "--config", cfgFile,
		"--override", "num.partitions=4", "--log-level", "warn")

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "auto", Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatalf("produce: %v\n%s", err, logs)
	}
	td, err := kadm.NewClient(cl).ListTopics(ctx, "auto")
	if err != nil || len(td["auto"].Partitions) != 4 {
		t.Fatalf("auto-created topic: %v %+v (the override sets 4 partitions)", err, td["auto"])
	}
	cl.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("strata serve after SIGTERM: %v\n%s", err, logs)
	}
	checkCleanShutdown(t, data)
}

// checkCleanShutdown checks every partition's checkpoint carries the
// clean-shutdown flag (tiered/segment doc.go: bit 0 of bytes 6-7).
func checkCleanShutdown(t *testing.T, data string) {
	t.Helper()
	ckps, err := filepath.Glob(filepath.Join(data, "*", "checkpoint"))
	if err != nil || len(ckps) == 0 {
		t.Fatalf("no partition checkpoints under %s: %v", data, err)
	}
	for _, p := range ckps {
		b, err := os.ReadFile(p)
		if err != nil || len(b) < 8 || b[7]&1 == 0 {
			t.Errorf("%s: not closed cleanly", p)
		}
	}
}

// TestServeBadSettings fails fast, with a message naming the problem.
func TestServeBadSettings(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--override", "num.partitions=zero"}, "num.partitions"},
		{[]string{"--override", "no.such.config=1"}, "no.such.config"},
		{[]string{"--log-level", "loud"}, "--log-level"},
		{[]string{"--listen", "nowhere"}, "listen"},
	} {
		cmd := exec.Command(os.Args[0], append([]string{"serve", "--data-dir", t.TempDir(), "--admin-listen", ""}, tc.args...)...)
		cmd.Env = append(os.Environ(), "STRATA_RUN_MAIN=1")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%v: strata serve succeeded", tc.args)
			continue
		}
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: output %q does not name %q", tc.args, out, tc.want)
		}
	}
}
