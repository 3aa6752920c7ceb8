package controller

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"
)

// entry encodes cmd as a log entry.
func entry(t testing.TB, cmd command) []byte {
	t.Helper()
	e, err := encodeCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// applyAll applies cmds to img in order at consecutive indexes after
// img.Offset and fails the test on a refusal.
func applyAll(t testing.TB, img *Image, cmds ...command) *Image {
	t.Helper()
	for _, cmd := range cmds {
		next, _, err := applyCommand(img, img.Offset+1, entry(t, cmd))
		if err != nil {
			t.Fatalf("%s: %v", cmd.kind(), err)
		}
		img = next
	}
	return img
}

// threeBrokers is an image of a cluster with brokers 1, 2 and 3.
func threeBrokers(t testing.TB) *Image {
	return applyAll(t, newImage(),
		&initCluster{ClusterID: "test-cluster"},
		&registerBroker{ID: 1, Host: "h1", Port: 9092},
		&registerBroker{ID: 2, Host: "h2", Port: 9092},
		&registerBroker{ID: 3, Host: "h3", Port: 9092, Rack: "r3"},
	)
}

// idOf returns a fixed topic id for tests.
func idOf(b byte) TopicID {
	var id TopicID
	id[0], id[6], id[8] = b, 0x40, 0x80
	return id
}

// encoded returns img in the snapshot format, which leaves out the
// ControllerID.
func encoded(t testing.TB, img *Image) string {
	t.Helper()
	var buf bytes.Buffer
	if err := encodeSnapshot(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// testConfig is a single-node config on dir with quiet logs and generous
// timeouts for a loaded machine.
func testConfig(dir string) Config {
	cfg := DefaultConfig()
	cfg.NodeID = 1
	cfg.Dir = dir
	cfg.Logger = slog.New(slog.DiscardHandler)
	cfg.OpenTimeout = time.Minute
	cfg.ApplyTimeout = 30 * time.Second
	return cfg
}

// open opens a controller on cfg and closes it when the test ends.
func open(t testing.TB, cfg Config) *Controller {
	t.Helper()
	c, err := Open(cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// openBroker opens a controller and registers broker 1.
func openBroker(t testing.TB, cfg Config) *Controller {
	t.Helper()
	c := open(t, cfg)
	if err := c.RegisterBroker(context.Background(), Broker{ID: 1, Host: "localhost", Port: 9092}); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
