package main

import (
	"strings"
	"testing"
)

func TestConfigsRoundTrip(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "cfg", "--partitions", "1")
	out := mustCLI(t, addr, "", "configs", "alter", "--entity-type", "topics", "--entity-name", "cfg",
		"--add-config", "retention.ms=120000,cleanup.policy=[compact,delete]", "--add-config", "segment.ms=600000")
	if !strings.Contains(out, "Completed updating config for topic cfg") {
		t.Errorf("alter: %q", out)
	}
	got := describeConfigs(t, addr, "topics", "cfg")
	want := map[string]string{"retention.ms": "120000", "cleanup.policy": "compact,delete", "segment.ms": "600000"}
	for k, v := range want {
		if c, ok := got[k]; !ok || c.Value == nil || *c.Value != v || c.Source != "DYNAMIC_TOPIC_CONFIG" || c.ReadOnly || c.Sensitive {
			t.Errorf("%s: got %+v, want %s", k, c, v)
		}
	}
	mustCLI(t, addr, "", "configs", "alter", "--entity-type", "topics", "--entity-name", "cfg", "--delete-config", "retention.ms,segment.ms")
	got = describeConfigs(t, addr, "topics", "cfg")
	if _, ok := got["retention.ms"]; ok || len(got) != 1 {
		t.Errorf("after delete-config: %+v", got)
	}
	table := mustCLI(t, addr, "", "configs", "describe", "--entity-type", "topics", "--entity-name", "cfg", "--all")
	for _, col := range []string{"NAME", "VALUE", "SOURCE", "SENSITIVE", "READ-ONLY", "DEFAULT_CONFIG", "cleanup.policy"} {
		if !strings.Contains(table, col) {
			t.Errorf("describe --all lacks %q:\n%s", col, table)
		}
	}
	if out := mustCLI(t, addr, "", "configs", "describe", "--entity-type", "brokers", "--entity-name", "1", "--all"); !strings.Contains(out, "num.partitions") {
		t.Errorf("broker configs:\n%s", out)
	}

	failCLI(t, exitRejected, "retention.ms", "configs", "alter", "--entity-type", "topics", "--entity-name", "cfg",
		"--add-config", "retention.ms=forever", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "--entity-type", "configs", "describe", "--entity-type", "users", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "numeric id", "configs", "describe", "--entity-type", "brokers", "--entity-name", "one", "--bootstrap-server", addr)
	failCLI(t, exitNotFound, "nope", "configs", "describe", "--entity-type", "topics", "--entity-name", "nope", "--bootstrap-server", addr)
}

func describeConfigs(t *testing.T, addr, typ, name string) map[string]configRow {
	t.Helper()
	var ents []configEntity
	decodeJSON(t, mustCLI(t, addr, "", "configs", "describe", "--entity-type", typ, "--entity-name", name, "--output", "json"), &ents)
	if len(ents) != 1 {
		t.Fatalf("describe %s %s: %+v", typ, name, ents)
	}
	out := map[string]configRow{}
	for _, c := range ents[0].Configs {
		out[c.Name] = c
	}
	return out
}

func TestClusterCommands(t *testing.T) {
	addr := startCLIBroker(t)
	out := mustCLI(t, addr, "", "cluster", "api-versions")
	for _, api := range []string{"ApiVersions(18): ", "Produce(0): ", "Fetch(1): ", "Metadata(3): ", "[usable: "} {
		if !strings.Contains(out, api) {
			t.Errorf("api-versions lacks %q:\n%s", api, out)
		}
	}
	var apis []brokerAPIs
	decodeJSON(t, mustCLI(t, addr, "", "cluster", "api-versions", "--output", "json"), &apis)
	if len(apis) != 1 || apis[0].NodeID != 1 || len(apis[0].APIs) < 10 {
		t.Errorf("api-versions json: %+v", apis)
	}

	var d clusterDescription
	decodeJSON(t, mustCLI(t, addr, "", "cluster", "describe", "--output", "json"), &d)
	if d.ClusterID == "" || d.Controller != 1 || len(d.Brokers) != 1 || d.Brokers[0].NodeID != 1 {
		t.Errorf("cluster describe: %+v", d)
	}

	mustCLI(t, addr, "", "topics", "create", "h", "--partitions", "3")
	if out := mustCLI(t, addr, "", "cluster", "health"); !strings.HasPrefix(out, "ok: 1 brokers") {
		t.Errorf("health: %q", out)
	}
	var rep healthReport
	decodeJSON(t, mustCLI(t, addr, "", "cluster", "health", "--output", "json"), &rep)
	if !rep.Healthy || rep.Partitions < 3 || len(rep.Problems) != 0 {
		t.Errorf("health json: %+v", rep)
	}
	failCLI(t, exitUnreachable, "cannot reach broker", "cluster", "health", "--bootstrap-server", closedAddr(t))
}
