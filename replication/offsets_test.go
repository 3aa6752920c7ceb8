package replication

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

func TestListOffset(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	ctx := context.Background()
	// Offsets 0-2 at 1000-1002 (gzip), 3-4 at 5000-5001, 5-7 at 3000-3002 (zstd).
	mustProduce(t, p, batchtest.Values(3, 10, batchtest.Options{Codec: batch.CodecGzip, BaseTimestamp: 1000}), 1)
	mustProduce(t, p, plain(2, 5000), 1)
	mustProduce(t, p, batchtest.Values(3, 10, batchtest.Options{Codec: batch.CodecZstd, BaseTimestamp: 3000}), 1)
	cases := []struct {
		ts             int64
		offset, wantTs int64
		epoch          int32
	}{
		{LatestTimestamp, 8, -1, 0},
		{EarliestTimestamp, 0, -1, 0},
		{EarliestLocalTimestamp, 0, -1, 0},
		{LatestTieredTimestamp, -1, -1, -1},
		{MaxTimestamp, 4, 5001, 0},
		{0, 0, 1000, 0},
		{1001, 1, 1001, 0},
		{1003, 3, 5000, 0},
		{5001, 4, 5001, 0},
		{5002, -1, -1, -1},
	}
	for _, iso := range []int8{ReadUncommitted, ReadCommitted} {
		for _, c := range cases {
			off, ts, epoch, err := p.ListOffset(ctx, c.ts, iso)
			if err != nil || off != c.offset || ts != c.wantTs || epoch != c.epoch {
				t.Errorf("ListOffset(%d, %d) = %d, %d, %d, %v; want %d, %d, %d", c.ts, iso, off, ts, epoch, err, c.offset, c.wantTs, c.epoch)
			}
		}
	}
}

func TestListOffsetHidesUncommitted(t *testing.T) {
	_, p := openOne(t, DefaultTopicConfig())
	mustProduce(t, p, plain(2, 1000), 1)
	p.mu.Lock()
	p.mu.pending = append(p.mu.pending, offsetRange{base: 2, end: 1 << 40})
	p.mu.Unlock()
	mustProduce(t, p, plain(2, 9000), 1)
	ctx := context.Background()
	if off, _, _, _ := p.ListOffset(ctx, LatestTimestamp, ReadUncommitted); off != 2 {
		t.Fatalf("latest %d, want the high watermark 2", off)
	}
	if off, ts, _, _ := p.ListOffset(ctx, MaxTimestamp, ReadUncommitted); off != -1 || ts != -1 {
		t.Fatalf("max timestamp found %d at %d above the high watermark", ts, off)
	}
	if off, _, _, _ := p.ListOffset(ctx, 5000, ReadUncommitted); off != -1 {
		t.Fatalf("timestamp lookup found %d above the high watermark", off)
	}
}

func TestDeleteRecords(t *testing.T) {
	_, p := openOne(t, smallTopicConfig())
	ctx := context.Background()
	for range 20 {
		mustProduce(t, p, plain(5, 1000), 1)
	}
	if _, err := p.DeleteRecords(ctx, 101); err == nil {
		t.Fatal("deleted past the high watermark")
	} else {
		wantErr(t, err, ErrOffsetOutOfRange)
	}
	_, err := p.DeleteRecords(ctx, -7)
	wantErr(t, err, ErrOffsetOutOfRange)
	low, err := p.DeleteRecords(ctx, 42)
	if err != nil || low != 42 || p.LogStartOffset() != 42 {
		t.Fatalf("low watermark %d, %v; log start %d", low, err, p.LogStartOffset())
	}
	_, err = p.Read(ctx, 41, 100, ReadUncommitted)
	wantErr(t, err, ErrOffsetOutOfRange)
	if low, err := p.DeleteRecords(ctx, 10); err != nil || low != 42 {
		t.Fatalf("a lower offset moved the start: %d, %v", low, err)
	}
	if off, _, _, _ := p.ListOffset(ctx, EarliestTimestamp, ReadUncommitted); off != 42 {
		t.Fatalf("earliest %d", off)
	}
	if low, err := p.DeleteRecords(ctx, -1); err != nil || low != 100 {
		t.Fatalf("delete to the high watermark: %d, %v", low, err)
	}
	res := mustProduce(t, p, plain(1, 0), 1)
	if res.BaseOffset != 100 || res.LogStartOffset != 100 {
		t.Fatalf("produce after deleting everything: %+v", res)
	}
}

func TestLeaderEpochs(t *testing.T) {
	m := testManager(t, t.TempDir(), DefaultTopicConfig(), nil)
	topic := newTopic("t", 1, 1)
	mustApply(t, m, newImage(topic))
	p := mustPartition(t, m, "t", 0)
	mustProduce(t, p, plain(5, 0), 1) // epoch 0: 0-4
	mustApply(t, m, newImage(withEpoch(topic, 2)))
	mustProduce(t, p, plain(3, 0), 1) // epoch 2: 5-7
	mustApply(t, m, newImage(withEpoch(topic, 3)))
	mustApply(t, m, newImage(withEpoch(topic, 5)))
	mustProduce(t, p, plain(2, 0), 1) // epoch 5: 8-9; 3 wrote nothing

	if h := readHeaders(t, p); h[1].PartitionLeaderEpoch != 2 || h[2].PartitionLeaderEpoch != 5 {
		t.Fatalf("batches stamped with epochs %d, %d", h[1].PartitionLeaderEpoch, h[2].PartitionLeaderEpoch)
	}
	cases := []struct {
		ask, epoch int32
		end        int64
	}{
		{0, 0, 5}, {1, 0, 5}, {2, 2, 8}, {3, 2, 8}, {4, 2, 8}, {5, 5, 10}, {6, -1, -1}, {-1, -1, -1},
	}
	for _, c := range cases {
		epoch, end, err := p.EndOffsetForEpoch(c.ask)
		if err != nil || epoch != c.epoch || end != c.end {
			t.Errorf("EndOffsetForEpoch(%d) = %d, %d, %v; want %d, %d", c.ask, epoch, end, err, c.epoch, c.end)
		}
	}
	data, err := os.ReadFile(filepath.Join(p.Dir(), epochCheckpointName))
	if err != nil || string(data) != "0\n3\n0 0\n2 5\n5 8\n" {
		t.Fatalf("checkpoint %q, %v", data, err)
	}
	if _, _, epoch, _ := p.ListOffset(context.Background(), 6, ReadUncommitted); epoch != -1 {
		t.Fatalf("a record with timestamp 6 does not exist; epoch %d", epoch)
	}
	if err := p.CheckLeaderEpoch(4); err == nil {
		t.Fatal("epoch 4 is fenced")
	}
	wantErr(t, p.CheckLeaderEpoch(4), ErrFencedLeaderEpoch)
	wantErr(t, p.CheckLeaderEpoch(6), ErrUnknownLeaderEpoch)
	if p.CheckLeaderEpoch(5) != nil || p.CheckLeaderEpoch(-1) != nil {
		t.Fatal("the current epoch and -1 pass")
	}

	// The cache survives a restart, and DeleteRecords moves its start.
	if _, err := p.DeleteRecords(context.Background(), 6); err != nil {
		t.Fatal(err)
	}
	if epoch, end, _ := p.EndOffsetForEpoch(1); epoch != 1 || end != 6 {
		t.Fatalf("below the first epoch after DeleteRecords: %d, %d", epoch, end)
	}
	data, _ = os.ReadFile(filepath.Join(p.Dir(), epochCheckpointName))
	if string(data) != "0\n2\n2 6\n5 8\n" {
		t.Fatalf("checkpoint after DeleteRecords %q", data)
	}
}

func TestEpochCache(t *testing.T) {
	var c epochCache
	if e, o := c.endOffsetFor(0, 10); e != -1 || o != -1 {
		t.Fatalf("empty cache: %d %d", e, o)
	}
	c.assign(1, 0)
	c.assign(3, 10)
	if c.assign(2, 20) || c.assign(3, 30) {
		t.Fatal("an older or equal epoch changed the cache")
	}
	c.assign(4, 10) // epoch 3 never wrote: replaced
	if got := string(c.marshal()); got != "0\n2\n1 0\n4 10\n" {
		t.Fatalf("cache %q", got)
	}
	if c.epochForOffset(9) != 1 || c.epochForOffset(10) != 4 {
		t.Fatal("epochForOffset")
	}
	c.truncateFromEnd(10)
	if got := string(c.marshal()); got != "0\n1\n1 0\n" {
		t.Fatalf("after truncateFromEnd %q", got)
	}
	for _, bad := range []string{"", "1\n0\n", "0\n2\n1 0\n", "0\n2\n3 0\n1 5\n", "0\n1\nx 1\n", "0\n1\n1 -5\n"} {
		if _, err := unmarshalEpochs([]byte(bad)); err == nil {
			t.Errorf("checkpoint %q accepted", bad)
		}
	}
	got, err := unmarshalEpochs([]byte("0\n2\n0 0\n7 100\n"))
	if err != nil || len(got.entries) != 2 || got.entries[1] != (epochEntry{7, 100}) {
		t.Fatalf("%+v %v", got, err)
	}
}
