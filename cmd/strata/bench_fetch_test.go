package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// encodeBatch encodes, with kmsg, an uncompressed batch of n records at
// base, its length and CRC-32C filled in.
func encodeBatch(t *testing.T, base int64, n int, attributes int16) []byte {
	t.Helper()
	var recs []byte
	for i := range n {
		r := kmsg.NewRecord()
		r.OffsetDelta = int32(i)
		r.Key = fmt.Appendf(nil, "key-%d", i)
		r.Value = bytes.Repeat([]byte{'v'}, 40)
		r.Length = int32(len(r.AppendTo(nil)) - 1) // less the one-byte varint of length 0
		recs = r.AppendTo(recs)
	}
	rb := kmsg.RecordBatch{
		FirstOffset: base, Magic: 2, Attributes: attributes, LastOffsetDelta: int32(n - 1),
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: int32(n), Records: recs,
	}
	rb.Length = int32(len(rb.AppendTo(nil)) - 12)
	b := rb.AppendTo(nil)
	rb.CRC = int32(crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	b = rb.AppendTo(nil)
	if _, err := batch.Validate(b); err != nil {
		t.Fatalf("test batch at %d is not valid: %v", base, err)
	}
	return b
}

func TestFetchWalkBatches(t *testing.T) {
	b0, b1, b2 := encodeBatch(t, 0, 3, 0), encodeBatch(t, 3, 2, 0), encodeBatch(t, 5, 4, 0)
	all := bytes.Join([][]byte{b0, b1, b2}, nil)
	whole := int64(len(all))
	two := int64(len(b0) + len(b1))
	cases := []struct {
		name string
		data []byte
		from int64
		want batchWalk
	}{
		{"three whole batches", all, 0, batchWalk{batches: 3, records: 9, bytes: whole, next: 9}},
		{"a cut last batch is ignored", all[:len(all)-10], 0, batchWalk{batches: 2, records: 5, bytes: two, next: 5}},
		{"a cut length field is ignored", all[:two+5], 0, batchWalk{batches: 2, records: 5, bytes: two, next: 5}},
		{"a batch before the start is not counted", all, 3, batchWalk{batches: 3, records: 6, bytes: whole, next: 9}},
		{"nothing", nil, 7, batchWalk{next: 7}},
		{"a control batch has no records", encodeBatch(t, 9, 1, batchControlFlag), 9,
			batchWalk{batches: 1, bytes: int64(len(encodeBatch(t, 9, 1, batchControlFlag))), next: 10}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := walkBatches(c.data, c.from)
			if err != nil || got != c.want {
				t.Fatalf("walkBatches = %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

func TestFetchWalkBatchesCorrupt(t *testing.T) {
	b0, b1 := encodeBatch(t, 0, 3, 0), encodeBatch(t, 3, 2, 0)
	bad := bytes.Join([][]byte{b0, b1}, nil)
	bad[len(b0)+batchHeaderLen+5] ^= 0xff // a byte of the second batch's records
	w, err := walkBatches(bad, 0)
	if err != nil || w.batches != 2 {
		t.Fatalf("walk of a batch with bad records = %+v, %v; want both counted, the CRCs left to checkCRCs", w, err)
	}
	err = checkCRCs(bad[:w.bytes])
	if !errors.Is(err, errBatchCorrupt) || !strings.Contains(err.Error(), "offset 3") || !strings.Contains(err.Error(), "CRC") {
		t.Fatalf("CRC check of a corrupted batch = %v, want a CRC error naming offset 3", err)
	}
	if err := checkCRCs(bytes.Join([][]byte{b0, b1}, nil)[:len(b0)+7]); !errors.Is(err, errBatchCorrupt) {
		t.Fatalf("CRC check of a cut batch = %v, want errBatchCorrupt", err)
	}
	if err := checkCRCs(bytes.Join([][]byte{encodeBatch(t, 0, 3, 0), encodeBatch(t, 3, 2, 0)}, nil)); err != nil {
		t.Fatalf("CRC check of whole batches: %v", err)
	}
	old := bytes.Clone(b0)
	old[batchMagicAt] = 1
	if _, err := walkBatches(old, 0); !errors.Is(err, errBatchCorrupt) || !strings.Contains(err.Error(), "magic 1") {
		t.Fatalf("walk of a magic 1 batch = %v, want an error naming the magic", err)
	}
}

func TestBenchConsumeBatches(t *testing.T) {
	addr := benchBroker(t)
	const n, size = 900, 100
	p := runBenchJSON[produceReport](t, "produce", "--bootstrap-server", addr, "--topic", "batches",
		"--partitions", "3", "--records", fmt.Sprint(n), "--record-size", fmt.Sprint(size))
	if p.Records != n || p.Failed != 0 {
		t.Fatalf("produce report %+v: want %d records", p, n)
	}
	c := runBenchJSON[consumeReport](t, "consume", "--bootstrap-server", addr, "--topic", "batches",
		"--mode", "batches", "--from-beginning", "--fetch-max-partition-bytes", "4096")
	if c.Mode != modeBatches || c.Records != n || c.Bytes < n*size || c.FirstRecordMs <= 0 {
		t.Fatalf("batches report %+v: want %d records, >= %d bytes, a first-batch time", c, n, n*size)
	}
	some := runBenchJSON[consumeReport](t, "consume", "--bootstrap-server", addr, "--topic", "batches",
		"--mode", "batches", "--from-beginning", "--records", "100")
	if some.Records < 100 || some.Records > n {
		t.Fatalf("batches report %+v: want at least 100 records, at most %d", some, n)
	}
	out, err := runBench(t, "consume", "--bootstrap-server", addr, "--topic", "batches",
		"--mode", "batches", "--from-beginning")
	if err != nil || !strings.Contains(out, "batches") || !strings.Contains(out, fmt.Sprintf("%d,", n)) {
		t.Fatalf("table output %v:\n%s\nwant the mode and %d records", err, out, n)
	}
}

func TestBenchConsumeBatchesRejectsGroup(t *testing.T) {
	failCLI(t, exitUsage, "--group cannot be used with --mode batches",
		"bench", "consume", "--topic", "t", "--mode", "batches", "--group", "g", "--records", "1",
		"--bootstrap-server", "127.0.0.1:1")
	failCLI(t, exitUsage, "--mode", "bench", "consume", "--topic", "t", "--mode", "frames",
		"--records", "1", "--bootstrap-server", "127.0.0.1:1")
}

func TestFetchPartitionErrors(t *testing.T) {
	b := encodeBatch(t, 0, 20, 0)
	r := &leaderReader{topic: "t", partMax: 100, retryFor: time.Hour}
	p := &fetchPart{id: 2, end: -1}

	cut := &kmsg.FetchResponseTopicPartition{Partition: 2, HighWatermark: 20, RecordBatches: b[:100]}
	if _, _, err := r.absorbPartition(p, cut); err == nil || !strings.Contains(err.Error(), "--fetch-max-partition-bytes 100 is smaller than a batch") {
		t.Fatalf("a batch cut at the partition max = %v, want an error naming the flag", err)
	}
	retriable := &kmsg.FetchResponseTopicPartition{Partition: 2, ErrorCode: kerr.NotLeaderForPartition.Code}
	if _, retry, err := r.absorbPartition(p, retriable); !retry || err != nil {
		t.Fatalf("a retriable error = retry %v, %v; want a retry", retry, err)
	}
	r.retryFor = 0
	p.failingSince = time.Now().Add(-time.Second)
	if _, _, err := r.absorbPartition(p, retriable); err == nil || !strings.Contains(err.Error(), "still failing") {
		t.Fatalf("a retriable error past the timeout = %v, want a failure", err)
	}
	fatal := &kmsg.FetchResponseTopicPartition{Partition: 2, ErrorCode: kerr.OffsetOutOfRange.Code}
	if _, _, err := r.absorbPartition(p, fatal); err == nil || !strings.Contains(err.Error(), "fetch t partition 2 at offset 0") {
		t.Fatalf("a fatal error = %v, want a failure naming the partition and offset", err)
	}
	whole := &kmsg.FetchResponseTopicPartition{Partition: 2, HighWatermark: 20, RecordBatches: b}
	if w, _, err := r.absorbPartition(p, whole); err != nil || w.records != 20 || p.next != 20 || !p.failingSince.IsZero() {
		t.Fatalf("a whole batch = %+v, %v, next %d; want 20 records and next 20", w, err, p.next)
	}
}

// TestFetchReadersInParallel splits one broker's partitions between
// readers, as several leaders would be, and reads them concurrently.
func TestFetchReadersInParallel(t *testing.T) {
	addr := benchBroker(t)
	const n = 600
	runBenchJSON[produceReport](t, "produce", "--bootstrap-server", addr, "--topic", "parallel",
		"--partitions", "3", "--records", fmt.Sprint(n), "--record-size", "50")
	s, err := (&clientOptions{bootstrap: addr}).connect()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ends, err := endOffsets(t.Context(), s, "parallel")
	if err != nil {
		t.Fatal(err)
	}
	plan, err := planFetch(t.Context(), s, "parallel", true, ends)
	if err != nil || len(plan.leaders) != 1 {
		t.Fatalf("plan %+v, %v: want one leader", plan, err)
	}
	tally := &fetchTally{start: time.Now(), stop: func() {}}
	var readers []*leaderReader
	for leader, parts := range plan.leaders {
		for _, p := range parts {
			conn, err := dialLeader(t.Context(), s, leader)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { conn.Close() })
			readers = append(readers, &leaderReader{
				topic: "parallel", topicID: plan.topicID, leader: leader, conn: conn,
				parts: []*fetchPart{p}, maxBytes: 1 << 20, partMax: 1 << 20, retryFor: time.Minute, tally: tally,
			})
		}
	}
	if err := runReaders(t.Context(), readers); err != nil {
		t.Fatal(err)
	}
	if r, first := tally.result(); r.Records != n || first <= 0 {
		t.Fatalf("read %+v (first batch after %v), want %d records", r, first, n)
	}
}

func TestFetchSkipHeaderTags(t *testing.T) {
	body := []byte{0xAA, 0xBB}
	header := []byte{2, 0, 3, 1, 2, 3, 7, 0} // two tags: 0 of 3 bytes, 7 of none
	got, err := skipHeaderTags(append(header, body...))
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("skipHeaderTags = %x, %v; want %x", got, err, body)
	}
	if _, err := skipHeaderTags([]byte{1, 0, 9, 1}); !errors.Is(err, errBadResponseHeader) {
		t.Fatalf("a tag longer than the header: %v, want errBadResponseHeader", err)
	}
}
