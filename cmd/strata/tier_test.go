package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/strata-streaming/strata/broker"
)

// startTieredBroker starts an in-process broker whose object store is the
// directory store, with its admin server on a free port.
func startTieredBroker(t *testing.T, store string) *broker.Broker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	settings := map[string]string{"object.store.url": "file://" + store, "remote.log.manager.task.interval.ms": "200"}
	for k, v := range cliSettings {
		settings[k] = v
	}
	b, err := broker.Start(ctx, broker.Config{NodeID: 1, Listen: "127.0.0.1:0", DataDir: t.TempDir(), Settings: settings,
		Telemetry: broker.TelemetryConfig{AdminListen: "127.0.0.1:0"}})
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestTierStatusAndRestore produces into a topic whose local tier keeps only
// its active segment, reads `strata tier status` as a table and as JSON,
// then restores the topic into a second broker over the same bucket with
// `strata tier restore` and consumes it from the beginning.
func TestTierStatusAndRestore(t *testing.T) {
	store := filepath.Join(t.TempDir(), "bucket")
	b := startTieredBroker(t, store)
	addr, admin := b.Addr().String(), b.AdminAddr().String()
	mustCLI(t, addr, "", "topics", "create", "--topic", "logs", "--partitions", "1",
		"--config", "segment.bytes=4096", "--config", "local.retention.bytes=1")
	var lines strings.Builder
	for i := range 200 {
		fmt.Fprintf(&lines, "record-%03d-%s\n", i, strings.Repeat("x", 100))
	}
	mustCLI(t, addr, lines.String(), "produce", "--topic", "logs", "--batch-size", "2048")

	var st tierStatus
	eventually(t, "the topic to be tiered", func() error {
		out := mustCLI(t, addr, "", "tier", "status", "logs", "--admin-server", admin, "--output", "json")
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			return err
		}
		p := st.Partitions[0]
		if p.Remote == nil || p.Remote.Segments == 0 || p.LocalStartOffset == 0 || p.Remote.BacklogBytes != 0 {
			return fmt.Errorf("not tiered yet: %s", out)
		}
		return nil
	})
	table := mustCLI(t, addr, "", "tier", "status", "--admin-server", admin)
	if !strings.Contains(table, "REMOTE-SEGMENTS") || !strings.Contains(table, "logs") || !strings.Contains(table, "local only") {
		t.Fatalf("tier status table:\n%s", table)
	}
	desc := mustCLI(t, addr, "", "topics", "describe", "--topic", "logs")
	if !strings.Contains(desc, "LOCAL-START-OFFSET") || !strings.Contains(desc, "LAST-TIERED-OFFSET") {
		t.Fatalf("topics describe shows no tier split:\n%s", desc)
	}
	var described []topicDescription
	if err := json.Unmarshal([]byte(mustCLI(t, addr, "", "topics", "describe", "--topic", "logs", "--output", "json")), &described); err != nil {
		t.Fatal(err)
	}
	split := described[0].Partitions[0].Tier
	// Uploads go on meanwhile: the split must show a trimmed local tier
	// that starts no later than just after the last offset uploaded.
	if split == nil || split.LastTieredOffset < 0 || split.LocalLogStartOffset == 0 || split.LocalLogStartOffset > split.LastTieredOffset+1 {
		t.Fatalf("tier split %+v: want a trimmed local tier continuing the remote one", split)
	}
	failCLI(t, exitNotFound, "no partition", "tier", "status", "nope", "--admin-server", admin)
	failCLI(t, exitUnreachable, "cannot reach the admin server", "tier", "status", "--admin-server", closedAddr(t))
	b.Close()

	fresh := startTieredBroker(t, store)
	faddr := fresh.Addr().String()
	out := mustCLI(t, faddr, "", "tier", "restore", "--topic", "logs")
	if !strings.Contains(out, "Restored topic logs") {
		t.Fatalf("tier restore:\n%s", out)
	}
	failCLI(t, exitRejected, "no topic of that name", "tier", "restore", "--topic", "never-existed", "--bootstrap-server", faddr)
	consumed := mustCLI(t, faddr, "", "consume", "--topic", "logs", "--from-beginning", "--max-messages",
		fmt.Sprint(st.Partitions[0].Remote.EndOffset), "--timeout", "30s")
	if !strings.HasPrefix(consumed, "record-000-") || strings.Count(consumed, "\n") != int(st.Partitions[0].Remote.EndOffset) {
		t.Fatalf("consumed after restore: %d lines", strings.Count(consumed, "\n"))
	}
}
