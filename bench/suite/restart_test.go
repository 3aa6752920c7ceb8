package main

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
)

// fakeBrokerEnv makes the test binary, run as a child, stand in for
// `strata serve`: a kfake cluster on the --listen port.
const fakeBrokerEnv = "STRATA_SUITE_FAKE_BROKER"

func TestMain(m *testing.M) {
	if os.Getenv(fakeBrokerEnv) == "1" {
		os.Exit(fakeBroker(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeBroker serves kfake on the address after --listen until SIGTERM.
func fakeBroker(args []string) int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	var listen string
	for i, a := range args[:max(len(args)-1, 0)] {
		if a == "--listen" {
			listen = args[i+1]
		}
	}
	_, portText, err := net.SplitHostPort(listen)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil {
		fmt.Fprintf(os.Stderr, "fake broker: bad --listen %q\n", listen)
		return 2
	}
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.Ports(port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "fake broker: %v\n", err)
		return 1
	}
	<-sigs
	c.Close()
	return 0
}

// TestBrokerRestart restarts a broker process on the same address and
// data directory, running the step between while it is down, and checks
// that stop ends the process started last.
func TestBrokerRestart(t *testing.T) {
	dir := t.TempDir()
	b, err := startBroker(t.Context(), os.Args[0], dir, "fake", []string{"--extra"}, []string{fakeBrokerEnv + "=1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.stop(stopGrace) })
	first, addr := b.child, b.Addr
	cache := filepath.Join(b.DataDir, brokerCacheDir)
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	err = b.restart(t.Context(), func() error {
		if !first.exited() {
			return fmt.Errorf("the broker still runs")
		}
		return os.RemoveAll(cache)
	})
	if err != nil {
		t.Fatal(err)
	}
	if b.child == first || b.Addr != addr || b.exited() {
		t.Fatalf("after restart: new process %v, address %s (was %s), exited %v", b.child != first, b.Addr, addr, b.exited())
	}
	if _, err := os.Stat(cache); !os.IsNotExist(err) {
		t.Fatalf("chunk cache still there: %v", err)
	}
	b.stop(stopGrace)
	if !b.exited() {
		t.Fatal("the restarted broker still runs after stop")
	}
}
