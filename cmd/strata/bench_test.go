package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/broker"
)

// benchBroker starts an in-process broker for the test and returns its
// address.
func benchBroker(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := broker.Start(ctx, broker.Config{
		NodeID: 1, Listen: "127.0.0.1:0", DataDir: t.TempDir(),
		Settings: map[string]string{
			"group.initial.rebalance.delay.ms": "0",
			"offsets.topic.num.partitions":     "3",
		},
	})
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b.Addr().String()
}

// runBench runs `strata bench args...` and returns what it printed.
func runBench(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(io.Discard)
	root.SetArgs(append([]string{"bench"}, args...))
	err := root.ExecuteContext(ctx)
	return out.String(), err
}

// runBenchJSON runs a bench command with --output json and decodes it.
func runBenchJSON[T any](t *testing.T, args ...string) T {
	t.Helper()
	out, err := runBench(t, append(args, "--output", "json")...)
	if err != nil {
		t.Fatalf("bench %v: %v\n%s", args, err, out)
	}
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	return v
}

func TestBenchProduceThenConsume(t *testing.T) {
	addr := benchBroker(t)
	p := runBenchJSON[produceReport](t, "produce", "--bootstrap-server", addr, "--topic", "bench",
		"--partitions", "2", "--records", "500", "--record-size", "100",
		"--keys", "sequential", "--key-count", "10")
	const keyLen = int64(len("key-00000000"))
	if p.Records != 500 || p.Failed != 0 || p.Bytes != 500*(100+keyLen) || p.Partitions != 2 {
		t.Fatalf("produce report %+v: want 500 records of %d bytes on 2 partitions", p, 100+keyLen)
	}
	if p.LatencyMs.Count != 500 || p.LatencyMs.P50 <= 0 || p.LatencyMs.Max < p.LatencyMs.P99 || p.Batches == 0 {
		t.Fatalf("produce latency/batches %+v: want 500 latencies, p50 > 0, max >= p99, batches > 0", p)
	}

	all := runBenchJSON[consumeReport](t, "consume", "--bootstrap-server", addr, "--topic", "bench", "--from-beginning",
		"--fetch-max-partition-bytes", "4096")
	if all.Records != 500 || all.Bytes != p.Bytes || all.FirstRecordMs <= 0 {
		t.Fatalf("consume to the end %+v: want 500 records, %d bytes, a first-record time", all, p.Bytes)
	}
	some := runBenchJSON[consumeReport](t, "consume", "--bootstrap-server", addr, "--topic", "bench",
		"--from-beginning", "--group", "bench-readers", "--records", "200")
	if some.Records != 200 || some.Group != "bench-readers" {
		t.Fatalf("consume 200 in a group %+v: want 200 records", some)
	}
}

func TestBenchProduceOpenLoop(t *testing.T) {
	addr := benchBroker(t)
	p := runBenchJSON[produceReport](t, "produce", "--bootstrap-server", addr, "--topic", "paced",
		"--records", "200", "--record-size", "64", "--rate", "2000", "--acks", "1",
		"--compression", "lz4", "--keys", "random", "--linger", "0s")
	if p.Records != 200 || p.TargetRate != 2000 || p.LatencyMs.Count != 200 || p.Acks != "1" {
		t.Fatalf("open-loop report %+v: want 200 records at a 2000/s target", p)
	}
	timed := runBenchJSON[produceReport](t, "produce", "--bootstrap-server", addr, "--topic", "paced",
		"--rate", "500", "--duration", "300ms")
	if timed.Records == 0 || timed.Failed != 0 {
		t.Fatalf("timed run %+v: want some records and no failures", timed)
	}
}

func TestBenchProduceCreatesTopicWithConfigs(t *testing.T) {
	addr := benchBroker(t)
	out, err := runBench(t, "produce", "--bootstrap-server", addr, "--topic", "configured",
		"--partitions", "3", "--records", "10", "--topic-config", "segment.bytes=1048576")
	if err != nil {
		t.Fatalf("produce: %v\n%s", err, out)
	}
	for _, want := range []string{"configured (3 partitions, acks=all)", "throughput", "p99.9"} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q:\n%s", want, out)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rc, err := kadm.NewClient(cl).DescribeTopicConfigs(t.Context(), "configured")
	if err != nil {
		t.Fatal(err)
	}
	if v, err := rc.On("configured", nil); err != nil || !hasConfig(v, "segment.bytes", "1048576") {
		t.Fatalf("topic configs %+v (%v): want segment.bytes=1048576", v, err)
	}
}

func hasConfig(rc kadm.ResourceConfig, name, value string) bool {
	for _, c := range rc.Configs {
		if c.Key == name && c.Value != nil && *c.Value == value {
			return true
		}
	}
	return false
}

func TestBenchRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"produce"}, "--topic is required"},
		{[]string{"produce", "--topic", "t", "--keys", "zipf"}, "--keys"},
		{[]string{"produce", "--topic", "t", "--acks", "2"}, "--acks"},
		{[]string{"produce", "--topic", "t", "--compression", "brotli"}, "--compression"},
		{[]string{"produce", "--topic", "t", "--records", "0"}, "never stop"},
		{[]string{"produce", "--topic", "t", "--record-size", "-1"}, "--record-size"},
		{[]string{"produce", "--topic", "t", "--rate", "-5"}, "--rate"},
		{[]string{"produce", "--topic", "t", "--keys", "random", "--key-count", "0"}, "--key-count"},
		{[]string{"produce", "--topic", "t", "--topic-config", "noequals"}, "--topic-config"},
		{[]string{"produce", "--topic", "t", "--output", "xml"}, "--output"},
		{[]string{"consume", "--topic", "t"}, "nothing bounds the run"},
		{[]string{"consume", "--from-beginning"}, "--topic is required"},
		{[]string{"consume", "--topic", "t", "--records", "-1"}, "--records"},
		{[]string{"consume", "--topic", "t", "--records", "1", "--fetch-max-bytes", "0"}, "--fetch-max-bytes"},
	}
	for _, c := range cases {
		// The bootstrap address is never dialled: the flags fail first.
		out, err := runBench(t, append(c.args, "--bootstrap-server", "127.0.0.1:1")...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench %v = %v (%s), want an error naming %q", c.args, err, out, c.want)
		}
	}
}

func TestBenchConsumeUnknownTopic(t *testing.T) {
	addr := benchBroker(t)
	_, err := runBench(t, "consume", "--bootstrap-server", addr, "--topic", "absent", "--records", "1")
	if err == nil || !strings.Contains(err.Error(), "absent") {
		t.Fatalf("consume of a missing topic = %v, want an error naming it", err)
	}
}

func TestKeySource(t *testing.T) {
	if k := newKeySource(keysNone, 5).next(); k != nil {
		t.Fatalf("none gave key %q", k)
	}
	seq := newKeySource(keysSequential, 3)
	var got []string
	for range 4 {
		got = append(got, string(seq.next()))
	}
	if want := "key-00000000 key-00000001 key-00000002 key-00000000"; strings.Join(got, " ") != want {
		t.Fatalf("sequential keys %v, want %s", got, want)
	}
	rnd := newKeySource(keysRandom, 2)
	for range 20 {
		if k := string(rnd.next()); k != "key-00000000" && k != "key-00000001" {
			t.Fatalf("random key %q outside the key set", k)
		}
	}
}

func TestValuePool(t *testing.T) {
	p := newValuePool(1000)
	a, b := p.next(), p.next()
	if len(a) != 1000 || len(b) != 1000 || cap(a) != 1000 {
		t.Fatalf("value lengths %d, %d (cap %d), want 1000", len(a), len(b), cap(a))
	}
	if bytes.Equal(a, b) {
		t.Fatal("consecutive values are equal")
	}
	for range 10_000 { // wraps around the pool
		if v := p.next(); len(v) != 1000 {
			t.Fatalf("value of %d bytes after wrapping", len(v))
		}
	}
	if len(newValuePool(0).next()) != 0 {
		t.Fatal("zero-size values are not empty")
	}
}
