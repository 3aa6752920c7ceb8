package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestKafkaOverviewSequence runs the command walkthrough of the Kafka
// overview users know (kafka-topics.sh, kafka-console-producer.sh,
// kafka-console-consumer.sh, kafka-consumer-groups.sh,
// kafka-broker-api-versions.sh) with strata, in order.
func TestKafkaOverviewSequence(t *testing.T) {
	addr := startCLIBroker(t)

	// kafka-topics.sh --create --topic my-topic --partitions 3 --replication-factor 2:
	// one broker holds one replica, and says so.
	failCLI(t, exitRejected, "replication factor", "topics", "create", "--bootstrap-server", addr,
		"--topic", "my-topic", "--partitions", "3", "--replication-factor", "2")
	mustCLI(t, addr, "", "topics", "create", "--topic", "my-topic", "--partitions", "3", "--replication-factor", "1")

	// kafka-topics.sh --list
	if out := mustCLI(t, addr, "", "topics", "list"); !strings.Contains(out, "my-topic") {
		t.Errorf("list: %q", out)
	}

	// kafka-console-producer.sh --topic my-topic --property parse.key=true --property key.separator=:
	mustCLI(t, addr, "user-1:hello\nuser-2:kafka\nuser-1:again\n", "produce", "--topic", "my-topic",
		"--property", "parse.key=true", "--property", "key.separator=:")

	// kafka-console-consumer.sh --topic my-topic --from-beginning
	out := mustCLI(t, addr, "", "consume", "--topic", "my-topic", "--from-beginning", "--max-messages", "3")
	if got := sortedLines(out); got != "again\nhello\nkafka" {
		t.Errorf("consume from the beginning: %q", out)
	}
	out = mustCLI(t, addr, "", "consume", "--topic", "my-topic", "--from-beginning", "--group", "my-group",
		"--max-messages", "3", "--property", "print.key=true", "--property", "key.separator=:")
	if got := sortedLines(out); got != "user-1:again\nuser-1:hello\nuser-2:kafka" {
		t.Errorf("consume as my-group: %q", out)
	}

	// kafka-topics.sh --describe --topic my-topic
	d := describeOne(t, addr, "my-topic")
	var records int64
	for _, p := range d.Partitions {
		records += p.LogEndOffset - p.LogStartOffset
	}
	if d.PartitionCount != 3 || records != 3 {
		t.Errorf("describe: %+v", d)
	}

	// kafka-consumer-groups.sh --group my-group --describe
	committed, lag := groupOffsets(t, addr, "my-group", "my-topic")
	var total int64
	for p, c := range committed {
		total += max(c, 0) // -1: nothing consumed from an empty partition
		if lag[p] != 0 {
			t.Errorf("my-group lag on partition %d: %d", p, lag[p])
		}
	}
	if total != 3 {
		t.Errorf("my-group committed %v, want 3 records in all", committed)
	}

	// kafka-broker-api-versions.sh
	if out := mustCLI(t, addr, "", "cluster", "api-versions"); !strings.Contains(out, "ApiVersions(18)") {
		t.Errorf("api-versions: %q", out)
	}

	// kafka-topics.sh --delete --topic my-topic
	mustCLI(t, addr, "", "topics", "delete", "--topic", "my-topic")
	if out := mustCLI(t, addr, "", "topics", "list"); strings.Contains(out, "my-topic") {
		t.Errorf("list after delete: %q", out)
	}

	// kafka-topics.sh --help
	if r := runCLI(t, "", "topics", "--help"); r.err != nil || !strings.Contains(r.stdout, "Examples:") {
		t.Errorf("topics --help: %v %q", r.err, r.stdout)
	}
}

// TestBinaryExitStatus runs the strata binary itself: a failure is one
// line on stderr and a non-zero exit status.
func TestBinaryExitStatus(t *testing.T) {
	addr := startCLIBroker(t)
	cmd := exec.Command(os.Args[0], "topics", "describe", "ghost", "--bootstrap-server", addr)
	cmd.Env = append(os.Environ(), "STRATA_RUN_MAIN=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("strata topics describe ghost: %v, want a non-zero exit", err)
	}
	if s := stderr.String(); strings.Count(s, "\n") != 1 || !strings.Contains(s, "unknown topic ghost") {
		t.Errorf("stderr: %q", s)
	}
}

func sortedLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// TestConsumeStopsOnSignal interrupts a running `strata consume --group`:
// it exits 0 and commits the offsets of what it printed.
func TestConsumeStopsOnSignal(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "sig", "--partitions", "1")
	mustCLI(t, addr, "one\ntwo\n", "produce", "sig")
	cmd := exec.Command(os.Args[0], "consume", "sig", "--group", "sig-group", "--from-beginning", "--bootstrap-server", addr)
	cmd.Env = append(os.Environ(), "STRATA_RUN_MAIN=1")
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	eventually(t, "consume prints both records", func() error {
		if stdout.String() != "one\ntwo\n" {
			return fmt.Errorf("stdout %q", stdout.String())
		}
		return nil
	})
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("consume after SIGINT: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Processed a total of 2 messages") {
		t.Errorf("stderr: %q", stderr.String())
	}
	committed, _ := groupOffsets(t, addr, "sig-group", "sig")
	checkOffsets(t, "committed after SIGINT", committed, 2)
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader goroutine.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
