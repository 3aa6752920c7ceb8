package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTopicsLifecycle(t *testing.T) {
	addr := startCLIBroker(t)
	out := mustCLI(t, addr, "", "topics", "create", "--topic", "orders", "--partitions", "2", "--config", "retention.ms=3600000")
	if out != "Created topic orders.\n" {
		t.Errorf("create: %q", out)
	}
	mustCLI(t, addr, "", "topics", "create", "orders", "--if-not-exists")
	failCLI(t, exitRejected, "--if-not-exists", "topics", "create", "orders", "--bootstrap-server", addr)

	if out := mustCLI(t, addr, "", "topics", "list"); !strings.Contains(out, "orders") || !strings.Contains(out, "TOPIC") {
		t.Errorf("list: %q", out)
	}
	var listed []topicSummary
	decodeJSON(t, mustCLI(t, addr, "", "topics", "list", "--exclude-internal", "--output", "json"), &listed)
	if len(listed) != 1 || listed[0].Topic != "orders" || listed[0].Partitions != 2 || listed[0].ReplicationFactor != 1 {
		t.Errorf("list json: %+v", listed)
	}

	mustCLI(t, addr, "a\nb\nc\n", "produce", "orders", "--partition", "1")
	d := describeOne(t, addr, "orders")
	if d.PartitionCount != 2 || d.Configs["retention.ms"] != "3600000" {
		t.Errorf("describe: %+v", d)
	}
	p1 := d.Partitions[1]
	// Strata tiers every topic by default: the split shows nothing uploaded yet.
	if p1.Leader != 1 || len(p1.ISR) != 1 || p1.LogStartOffset != 0 || p1.LogEndOffset != 3 ||
		p1.Tier == nil || p1.Tier.LocalLogStartOffset != 0 || p1.Tier.LastTieredOffset != -1 {
		t.Errorf("describe partition 1: %+v", p1)
	}
	table := mustCLI(t, addr, "", "topics", "describe", "--topic", "orders")
	for _, want := range []string{"Topic: orders", "PartitionCount: 2", "Configs: retention.ms=3600000", "LOG-END-OFFSET", "LEADER"} {
		if !strings.Contains(table, want) {
			t.Errorf("describe table lacks %q:\n%s", want, table)
		}
	}

	mustCLI(t, addr, "", "topics", "alter", "orders", "--partitions", "4", "--config", "segment.ms=600000", "--delete-config", "retention.ms")
	d = describeOne(t, addr, "orders")
	if d.PartitionCount != 4 || d.Configs["segment.ms"] != "600000" || d.Configs["retention.ms"] != "" {
		t.Errorf("after alter: %+v", d)
	}
	failCLI(t, exitRejected, "retention.ms", "topics", "alter", "orders", "--config", "retention.ms=soon", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "nothing to alter", "topics", "alter", "orders", "--bootstrap-server", addr)

	if out := mustCLI(t, addr, "", "topics", "delete", "--topic", "orders"); out != "Deleted topic orders.\n" {
		t.Errorf("delete: %q", out)
	}
	mustCLI(t, addr, "", "topics", "delete", "orders", "--if-exists")
	failCLI(t, exitNotFound, "orders", "topics", "delete", "orders", "--bootstrap-server", addr)
}

// describeOne describes topic through --output json.
func describeOne(t *testing.T, addr, topic string) topicDescription {
	t.Helper()
	var ds []topicDescription
	decodeJSON(t, mustCLI(t, addr, "", "topics", "describe", topic, "--output", "json"), &ds)
	if len(ds) != 1 || ds[0].Topic != topic || len(ds[0].Partitions) != ds[0].PartitionCount {
		t.Fatalf("describe %s: %+v", topic, ds)
	}
	return ds[0]
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}
