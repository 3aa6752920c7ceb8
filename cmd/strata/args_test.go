package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitConfigList(t *testing.T) {
	for in, want := range map[string][]string{
		"a=1":                                 {"a=1"},
		"a=1,b=2":                             {"a=1", "b=2"},
		"cleanup.policy=[compact,delete],x=1": {"cleanup.policy=compact,delete", "x=1"},
		" a=1 , ,b=2,":                        {"a=1", "b=2"},
		"retention.ms,segment.ms":             {"retention.ms", "segment.ms"},
		"leader.replication.throttled.replicas=[0:1,1:1]": {"leader.replication.throttled.replicas=0:1,1:1"},
	} {
		if got := splitConfigList(in); !slices.Equal(got, want) {
			t.Errorf("splitConfigList(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTopicSpec(t *testing.T) {
	for in, want := range map[string]topicSpec{
		"t":       {Topic: "t"},
		"t:0":     {Topic: "t", Partitions: []int32{0}},
		"t:2,0,2": {Topic: "t", Partitions: []int32{2, 0}},
	} {
		got, err := parseTopicSpec(in)
		if err != nil || got.Topic != want.Topic || !slices.Equal(got.Partitions, want.Partitions) {
			t.Errorf("parseTopicSpec(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", ":1", "t:x", "t:-1"} {
		if _, err := parseTopicSpec(bad); exitCode(err) != exitUsage {
			t.Errorf("parseTopicSpec(%q): %v, want a usage error", bad, err)
		}
	}
}

func TestParseResetTime(t *testing.T) {
	utc := time.Date(2024, 5, 1, 12, 30, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2024-05-01T12:30:00Z":         utc,
		"2024-05-01T12:30:00.000Z":     utc,
		"2024-05-01T14:30:00+02:00":    utc,
		"2024-05-01T14:30:00.250+0200": utc.Add(250 * time.Millisecond),
		"2024-05-01T12:30:00":          time.Date(2024, 5, 1, 12, 30, 0, 0, time.Local),
		"2024-05-01T12:30:00.5":        time.Date(2024, 5, 1, 12, 30, 0, 5e8, time.Local),
	} {
		got, err := parseResetTime(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseResetTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"2024-05-01", "yesterday", "2024-05-01 12:30:00"} {
		if _, err := parseResetTime(bad); exitCode(err) != exitUsage {
			t.Errorf("parseResetTime(%q): %v, want a usage error", bad, err)
		}
	}
}

// TestProgressOnlyOnTerminal: progress never writes into a pipe or file.
func TestProgressOnlyOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := startProgress(&buf, "produced", 10)
	p.Add(5)
	p.Stop()
	if buf.Len() != 0 {
		t.Errorf("progress wrote %q to a non-terminal", buf.String())
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("a\n  b\tc\n"); got != "a b c" || strings.Contains(got, "\n") {
		t.Errorf("oneLine: %q", got)
	}
}

func TestUnknownSubcommand(t *testing.T) {
	for _, parent := range []string{"topics", "groups", "configs", "cluster"} {
		r := runCLI(t, "", parent, "bogus")
		if exitCode(r.err) != exitUsage || !strings.Contains(r.stderr, `unknown command "bogus"`) {
			t.Errorf("%s bogus: %v %q", parent, r.err, r.stderr)
		}
		if r := runCLI(t, "", parent); r.err != nil || !strings.Contains(r.stdout, "Available Commands") {
			t.Errorf("%s: %v %q", parent, r.err, r.stdout)
		}
	}
}
