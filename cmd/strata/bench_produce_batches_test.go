package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The batches mode writes what a consumer reads back record for record:
// values of the asked size, in order, on every partition, and the report
// counts them as the records mode does.
func TestBenchProduceBatches(t *testing.T) {
	addr := benchBroker(t)
	p := runBenchJSON[produceReport](t, "produce", "--bootstrap-server", addr, "--mode", "batches",
		"--topic", "lean", "--partitions", "3", "--records", "2500", "--record-size", "300",
		"--batch-max-bytes", "16384")
	if p.Mode != modeBatches || p.Records != 2500 || p.Failed != 0 || p.Bytes != 2500*300 {
		t.Fatalf("report %+v: want 2500 records of 300 bytes", p)
	}
	if p.LatencyMs.Count != 2500 || p.Batches < 2500*300/16384 || p.AvgBatchBytes > 16384 {
		t.Fatalf("report %+v: want a latency per record and batches of at most 16 KiB", p)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("lean"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	perPartition := map[int32]int64{}
	var n int
	for n < 2500 && ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		fetches.EachRecord(func(r *kgo.Record) {
			if len(r.Value) != 300 || r.Key != nil || r.Offset != perPartition[r.Partition] {
				t.Fatalf("record %d of partition %d: %d-byte value, key %q; want offset %d, 300 bytes, no key",
					r.Offset, r.Partition, len(r.Value), r.Key, perPartition[r.Partition])
			}
			perPartition[r.Partition]++
			n++
		})
	}
	if n != 2500 || len(perPartition) != 3 {
		t.Fatalf("read %d records over %v, want 2500 over 3 partitions", n, perPartition)
	}
}

// A timed batches run stops sending at its end and still counts the
// answers to what it sent.
func TestBenchProduceBatchesTimed(t *testing.T) {
	addr := benchBroker(t)
	p := runBenchJSON[produceReport](t, "produce", "--bootstrap-server", addr, "--mode", "batches",
		"--topic", "lean-timed", "--duration", "300ms", "--record-size", "100", "--acks", "1")
	if p.Records == 0 || p.Failed != 0 || p.Acks != "1" || p.LatencyMs.Count != uint64(p.Records) {
		t.Fatalf("timed report %+v: want records, each with a latency", p)
	}
}

func TestBenchProduceBatchesRejectsRecordsOptions(t *testing.T) {
	for _, args := range [][]string{
		{"--acks", "0"}, {"--keys", "random"}, {"--compression", "lz4"}, {"--rate", "100"},
	} {
		out, err := runBench(t, append([]string{"produce", "--topic", "t", "--mode", "batches", "--bootstrap-server", "127.0.0.1:1"}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "--mode batches") {
			t.Errorf("produce --mode batches %v = %v (%s), want an error naming --mode batches", args, err, out)
		}
	}
	out, err := runBench(t, "produce", "--topic", "t", "--mode", "bytes", "--bootstrap-server", "127.0.0.1:1")
	if err == nil || !strings.Contains(err.Error(), "--mode") || bytes.Contains([]byte(out), []byte("throughput")) {
		t.Errorf("produce --mode bytes = %v (%s), want an error naming --mode", err, out)
	}
}

func TestRecordBudget(t *testing.T) {
	b := &recordBudget{left: 10}
	if got := []int64{b.take(4), b.take(4), b.take(4), b.take(4)}; got[0] != 4 || got[1] != 4 || got[2] != 2 || got[3] != 0 {
		t.Fatalf("takes of 4 from 10: %v, want 4 4 2 0", got)
	}
	if u := (&recordBudget{unlimited: true}); u.take(7) != 7 {
		t.Fatal("an unlimited budget refused records")
	}
}
