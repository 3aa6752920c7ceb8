package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// groupOffsets describes group through --output json and returns its
// committed offsets and lags by partition of topic.
func groupOffsets(t *testing.T, addr, group, topic string) (committed, lag map[int32]int64) {
	t.Helper()
	var d groupDescription
	decodeJSON(t, mustCLI(t, addr, "", "groups", "describe", "--group", group, "--output", "json"), &d)
	committed, lag = map[int32]int64{}, map[int32]int64{}
	for _, r := range d.Offsets {
		if r.Topic == topic {
			committed[r.Partition], lag[r.Partition] = r.CommittedOffset, r.Lag
		}
	}
	return committed, lag
}

func checkOffsets(t *testing.T, what string, got map[int32]int64, want ...int64) {
	t.Helper()
	for p, w := range want {
		if got[int32(p)] != w {
			t.Errorf("%s: partition %d is %d, want %d (all: %v)", what, p, got[int32(p)], w, got)
		}
	}
}

func TestGroupsLagAndResetOffsets(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "clicks", "--partitions", "2")
	mustCLI(t, addr, "a\nb\n", "produce", "clicks", "--partition", "0")
	mustCLI(t, addr, "c\nd\n", "produce", "clicks", "--partition", "1")
	out := mustCLI(t, addr, "", "consume", "clicks", "--group", "readers", "--from-beginning", "--max-messages", "4")
	if strings.Count(out, "\n") != 4 {
		t.Fatalf("group consume printed %q", out)
	}
	committed, lag := groupOffsets(t, addr, "readers", "clicks")
	checkOffsets(t, "committed after consume", committed, 2, 2)
	checkOffsets(t, "lag after consume", lag, 0, 0)

	mustCLI(t, addr, "e\nf\ng\n", "produce", "clicks", "--partition", "0")
	_, lag = groupOffsets(t, addr, "readers", "clicks")
	checkOffsets(t, "lag after producing 3 more", lag, 3, 0)
	table := mustCLI(t, addr, "", "groups", "describe", "readers")
	if !strings.Contains(table, "State: Empty") || !strings.Contains(table, "LOG-END-OFFSET") {
		t.Errorf("describe table:\n%s", table)
	}
	if out := mustCLI(t, addr, "", "groups", "list"); !strings.Contains(out, "readers") {
		t.Errorf("groups list: %q", out)
	}

	r := runCLI(t, "", "groups", "reset-offsets", "--group", "readers", "--topic", "clicks", "--to-earliest", "--bootstrap-server", addr)
	if r.err != nil || !strings.Contains(r.stderr, "Dry run") || !strings.Contains(r.stdout, "NEW-OFFSET") {
		t.Fatalf("dry run: %v %q %q", r.err, r.stdout, r.stderr)
	}
	committed, _ = groupOffsets(t, addr, "readers", "clicks")
	checkOffsets(t, "committed after a dry run", committed, 2, 2)

	for _, tc := range []struct {
		args []string
		want []int64
	}{
		{[]string{"--topic", "clicks", "--to-earliest"}, []int64{0, 0}},
		{[]string{"--topic", "clicks:0", "--to-offset", "4"}, []int64{4, 0}},
		{[]string{"--all-topics", "--shift-by", "1"}, []int64{5, 1}},
		{[]string{"--topic", "clicks", "--shift-by", "-10"}, []int64{0, 0}},
		{[]string{"--topic", "clicks", "--to-latest"}, []int64{5, 2}},
		{[]string{"--topic", "clicks", "--to-datetime", "2001-01-01T00:00:00Z"}, []int64{0, 0}},
		{[]string{"--topic", "clicks:1", "--to-offset", "99"}, []int64{0, 2}},
		{[]string{"--topic", "clicks", "--to-datetime", "2999-01-01T00:00:00.000+02:00"}, []int64{5, 2}},
		{[]string{"--topic", "clicks", "--to-datetime", "2001-01-01T00:00:00"}, []int64{0, 0}},
	} {
		args := append([]string{"groups", "reset-offsets", "--group", "readers", "--execute", "--output", "json"}, tc.args...)
		var rows []resetRow
		decodeJSON(t, mustCLI(t, addr, "", args...), &rows)
		committed, _ = groupOffsets(t, addr, "readers", "clicks")
		checkOffsets(t, strings.Join(tc.args, " "), committed, tc.want...)
	}
}

func TestGroupsResetRefusesActiveGroup(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "busy", "--partitions", "1")
	mustCLI(t, addr, "x\n", "produce", "busy")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumerGroup("live"), kgo.ConsumeTopics("busy"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	go func() {
		for ctx.Err() == nil && !cl.PollFetches(ctx).IsClientClosed() {
		}
	}()
	eventually(t, "group live becomes stable", func() error {
		r := runCLI(t, "", "groups", "describe", "live", "--output", "json", "--bootstrap-server", addr)
		if !strings.Contains(r.stdout, `"state": "Stable"`) {
			return fmt.Errorf("describe: %v %s", r.err, r.stdout)
		}
		return nil
	})
	failCLI(t, exitRejected, "active members", "groups", "reset-offsets", "--group", "live", "--topic", "busy",
		"--to-earliest", "--execute", "--bootstrap-server", addr)
	failCLI(t, exitRejected, "live", "groups", "delete", "live", "--bootstrap-server", addr)
}

func TestGroupsDeleteOffsetsAndDelete(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "old", "--partitions", "1")
	mustCLI(t, addr, "", "topics", "create", "new", "--partitions", "1")
	for _, topic := range []string{"old", "new"} {
		mustCLI(t, addr, "", "groups", "reset-offsets", "--group", "g", "--topic", topic, "--to-earliest", "--execute")
	}
	out := mustCLI(t, addr, "", "groups", "delete-offsets", "--group", "g", "--topic", "old")
	if !strings.Contains(out, "Successful") {
		t.Errorf("delete-offsets: %q", out)
	}
	var d groupDescription
	decodeJSON(t, mustCLI(t, addr, "", "groups", "describe", "g", "--output", "json"), &d)
	if len(d.Offsets) != 1 || d.Offsets[0].Topic != "new" {
		t.Errorf("offsets after delete-offsets: %+v", d.Offsets)
	}
	if out := mustCLI(t, addr, "", "groups", "delete", "--group", "g"); !strings.Contains(out, "Deleted consumer group 'g'") {
		t.Errorf("delete: %q", out)
	}
	failCLI(t, exitNotFound, "groups list", "groups", "describe", "g", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "exactly one", "groups", "reset-offsets", "--group", "g", "--topic", "new", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "--to-datetime", "groups", "reset-offsets", "--group", "g", "--topic", "new",
		"--to-datetime", "yesterday", "--bootstrap-server", addr)
}
