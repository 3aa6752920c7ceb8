package handler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication"
)

func TestFetchReadsRecords(t *testing.T) {
	for _, v := range []int16{4, 7, 11, 12, 13, 18} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			h, f := newFetchHandler(t, nil), newFetchFakes()
			p := f.add(t, "a", 0)
			var want []byte
			for range 3 {
				want = append(want, p.produce(t, 5, 100, true)...)
			}
			resp := fetchDo(t, h, f, fetchRequest(v, fetchPart{topic: "a"}))
			got := fetchPartitionOf(t, resp, "a", 0)
			if got.ErrorCode != 0 || got.HighWatermark != 15 || got.LastStableOffset != 15 || (v >= 5 && got.LogStartOffset != 0) {
				t.Fatalf("partition = %+v", got)
			}
			if len(got.RecordBatches) != len(want) || got.PreferredReadReplica != -1 {
				t.Fatalf("got %d bytes of records, want %d; preferred replica %d", len(got.RecordBatches), len(want), got.PreferredReadReplica)
			}
			if !fetchSameBatches(got.RecordBatches, want) {
				t.Fatal("records differ from those produced")
			}
		})
	}
}

// fetchSameBatches compares batches as produced with batches as stored, which
// differ only in base offset and CRC-covered fields the log sets: here the
// stored bytes from offset 12 (the batch length) on, batch by batch, after
// the base offset.
func fetchSameBatches(stored, produced []byte) bool {
	if len(stored) != len(produced) {
		return false
	}
	for len(stored) > 0 {
		n := 12 + int(uint32(stored[8])<<24|uint32(stored[9])<<16|uint32(stored[10])<<8|uint32(stored[11]))
		if n > len(stored) || !bytes.Equal(stored[8:n], produced[8:n]) {
			return false
		}
		stored, produced = stored[n:], produced[n:]
	}
	return true
}

func TestFetchByteLimits(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	a, b := f.add(t, "a", 0), f.add(t, "b", 0)
	for range 4 {
		a.produce(t, 1, 1000, true)
		b.produce(t, 1, 1000, true)
	}
	one := len(a.produce(t, 1, 1000, true)) // every batch is this size
	tests := []struct {
		name         string
		maxBytes     int32 // response
		partMax      int32
		wantA, wantB int // batches
	}{
		{name: "partition limit", maxBytes: 1 << 20, partMax: int32(2*one + 10), wantA: 2, wantB: 2},
		{name: "response limit", maxBytes: int32(3*one + 10), partMax: 1 << 20, wantA: 3, wantB: 0},
		{name: "first partition overshoots its limit", maxBytes: 1 << 20, partMax: 10, wantA: 1, wantB: 0},
		{name: "first partition overshoots the response limit", maxBytes: 10, partMax: 1 << 20, wantA: 1, wantB: 0},
		{name: "second partition keeps within the rest", maxBytes: int32(one + one/2), partMax: 1 << 20, wantA: 1, wantB: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := fetchRequest(12, fetchPart{topic: "a", maxBytes: tc.partMax}, fetchPart{topic: "b", maxBytes: tc.partMax})
			r.MaxBytes = tc.maxBytes
			resp := fetchDo(t, h, f, r)
			pa, pb := fetchPartitionOf(t, resp, "a", 0), fetchPartitionOf(t, resp, "b", 0)
			if len(pa.RecordBatches) != tc.wantA*one || len(pb.RecordBatches) != tc.wantB*one {
				t.Fatalf("a has %d bytes, b %d; want %d and %d batches of %d", len(pa.RecordBatches), len(pb.RecordBatches), tc.wantA, tc.wantB, one)
			}
			if pa.ErrorCode != 0 || pb.ErrorCode != 0 {
				t.Fatalf("errors %d, %d", pa.ErrorCode, pb.ErrorCode)
			}
		})
	}
}

// The broker's fetch.max.bytes bounds what a request asks for.
func TestFetchBrokerMaxBytes(t *testing.T) {
	f := newFetchFakes()
	p := f.add(t, "a", 0)
	one := len(p.produce(t, 1, 1000, true))
	p.produce(t, 1, 1000, true)
	h := newFetchHandler(t, map[string]string{fetchMaxBytesConfig: "10"})
	resp := fetchDo(t, h, f, fetchRequest(12, fetchPart{topic: "a"}))
	if got := len(fetchPartitionOf(t, resp, "a", 0).RecordBatches); got != one {
		t.Fatalf("got %d bytes, want one batch of %d", got, one)
	}
}

func TestFetchOffsetOutOfRange(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	p := f.add(t, "a", 0)
	for range 3 {
		p.produce(t, 2, 10, true)
	}
	if err := p.log.SetStartOffset(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		offset int64
		code   int16
	}{{0, kerr.OffsetOutOfRange.Code}, {1, kerr.OffsetOutOfRange.Code}, {2, 0}, {6, 0}, {7, kerr.OffsetOutOfRange.Code}} {
		resp := fetchDo(t, h, f, fetchRequest(12, fetchPart{topic: "a", offset: tc.offset}))
		got := fetchPartitionOf(t, resp, "a", 0)
		if got.ErrorCode != tc.code || got.LogStartOffset != 2 || got.HighWatermark != 6 {
			t.Errorf("offset %d: %+v, want code %d", tc.offset, got, tc.code)
		}
	}
}

func TestFetchIsolationLevel(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	p := f.add(t, "a", 0)
	one := len(p.produce(t, 2, 10, false))
	for range 3 {
		p.produce(t, 2, 10, false)
	}
	p.setOffsets(6, 2) // offsets 6 and 7 are above the high watermark
	for _, tc := range []struct {
		isolation int8
		batches   int
	}{{replication.ReadUncommitted, 3}, {replication.ReadCommitted, 1}} {
		r := fetchRequest(12, fetchPart{topic: "a"})
		r.IsolationLevel = tc.isolation
		got := fetchPartitionOf(t, fetchDo(t, h, f, r), "a", 0)
		if len(got.RecordBatches) != tc.batches*one || got.HighWatermark != 6 || got.LastStableOffset != 2 {
			t.Errorf("isolation %d: %d bytes, %+v; want %d batches", tc.isolation, len(got.RecordBatches), got, tc.batches)
		}
		if aborted := got.AbortedTransactions; (tc.isolation == replication.ReadCommitted) != (aborted != nil) || len(aborted) != 0 {
			t.Errorf("isolation %d: aborted transactions %v", tc.isolation, aborted)
		}
	}
	r := fetchRequest(12, fetchPart{topic: "a"})
	r.IsolationLevel = 2
	if got := fetchPartitionOf(t, fetchDo(t, h, f, r), "a", 0); got.ErrorCode != kerr.InvalidRequest.Code {
		t.Errorf("isolation 2: %+v", got)
	}
}

func TestFetchLeaderEpoch(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	p := f.add(t, "a", 0)
	p.produce(t, 1, 10, true)
	p.mu.Lock()
	p.mu.epoch = 5
	p.mu.Unlock()
	for _, tc := range []struct {
		epoch int32
		code  int16
	}{{-1, 0}, {5, 0}, {4, kerr.FencedLeaderEpoch.Code}, {6, kerr.UnknownLeaderEpoch.Code}} {
		resp := fetchDo(t, h, f, fetchRequest(12, fetchPart{topic: "a", epoch: tc.epoch}))
		got := fetchPartitionOf(t, resp, "a", 0)
		if got.ErrorCode != tc.code || (tc.code == 0) != (len(got.RecordBatches) > 0) {
			t.Errorf("epoch %d: code %d, %d bytes; want code %d", tc.epoch, got.ErrorCode, len(got.RecordBatches), tc.code)
		}
	}
}

func TestFetchDivergingEpoch(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	p := f.add(t, "a", 0)
	for range 5 {
		p.produce(t, 2, 10, true)
	}
	for _, tc := range []struct {
		answerEpoch int32
		answerEnd   int64
		code        int16
		diverged    bool
	}{
		{3, 10, 0, false}, // the client's epoch ends at the log end
		{3, 4, 0, true},   // it ended before the fetch offset
		{2, 10, 0, true},  // the log has no epoch 3
		{-1, -1, kerr.OffsetOutOfRange.Code, false}, // no epoch at all
	} {
		p.mu.Lock()
		p.mu.epochAnswer, p.mu.epochEnd = tc.answerEpoch, tc.answerEnd
		p.mu.Unlock()
		r := fetchRequest(12, fetchPart{topic: "a", offset: 6})
		r.Topics[0].Partitions[0].LastFetchedEpoch = 3
		got := fetchPartitionOf(t, fetchDo(t, h, f, r), "a", 0)
		diverged := got.DivergingEpoch.Epoch != -1
		if got.ErrorCode != tc.code || diverged != tc.diverged || (diverged || tc.code != 0) != (len(got.RecordBatches) == 0) {
			t.Errorf("answer %d/%d: %+v", tc.answerEpoch, tc.answerEnd, got)
		}
		if diverged && (got.DivergingEpoch.Epoch != tc.answerEpoch || got.DivergingEpoch.EndOffset != tc.answerEnd) {
			t.Errorf("diverging epoch %+v", got.DivergingEpoch)
		}
	}
}

func TestFetchUnknownPartitions(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	f.add(t, "a", 0).produce(t, 1, 10, true)
	f.codes[fetchKey{topic: "a", partition: 1}] = kerr.NotLeaderForPartition.Code
	r := fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "a", partition: 1}, fetchPart{topic: "a", partition: 2}, fetchPart{topic: "b"})
	resp := fetchDo(t, h, f, r)
	for _, tc := range []struct {
		topic     string
		partition int32
		code      int16
	}{{"a", 0, 0}, {"a", 1, kerr.NotLeaderForPartition.Code}, {"a", 2, kerr.UnknownTopicOrPartition.Code}, {"b", 0, kerr.UnknownTopicOrPartition.Code}} {
		got := fetchPartitionOf(t, resp, tc.topic, tc.partition)
		if got.ErrorCode != tc.code || (tc.code != 0 && (got.HighWatermark != -1 || got.LogStartOffset != -1 || got.LastStableOffset != -1)) {
			t.Errorf("%s/%d: %+v, want code %d", tc.topic, tc.partition, got, tc.code)
		}
	}
}

func TestFetchTopicIDs(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	f.add(t, "a", 0).produce(t, 1, 10, true)
	resp := fetchDo(t, h, f, fetchRequest(13, fetchPart{topic: "a"}, fetchPart{topic: "zz"}))
	if len(resp.Topics) != 2 || resp.Topics[0].TopicID != fetchTopicID("a") || resp.Topics[0].Topic != "" {
		t.Fatalf("topics %+v", resp.Topics)
	}
	if got := resp.Topics[0].Partitions[0]; got.ErrorCode != 0 || len(got.RecordBatches) == 0 {
		t.Errorf("a: %+v", got)
	}
	if got := resp.Topics[1].Partitions[0]; got.ErrorCode != kerr.UnknownTopicID.Code {
		t.Errorf("unknown id: code %d", got.ErrorCode)
	}
}

// A topic named twice gets one run of partitions per run in the request;
// a partition named twice is read once.
func TestFetchRequestOrder(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	for _, name := range []string{"a", "b"} {
		for i := range int32(2) {
			f.add(t, name, i).produce(t, 1, 10, true)
		}
	}
	r := fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "b"}, fetchPart{topic: "a", partition: 1}, fetchPart{topic: "b"})
	resp := fetchDo(t, h, f, r)
	var got []string
	for _, rt := range resp.Topics {
		for _, p := range rt.Partitions {
			got = append(got, rt.Topic+string(rune('0'+p.Partition)))
		}
	}
	if want := []string{"a0", "b0", "a1"}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("partitions %v, want %v", got, want)
	}
}

func TestFetchRefusesReplicas(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	f.add(t, "a", 0).produce(t, 1, 10, true)
	for _, v := range []int16{12, 15} {
		r := fetchRequest(v, fetchPart{topic: "a"})
		r.ReplicaID, r.ReplicaState.ID = 1, 1
		got := fetchPartitionOf(t, fetchDo(t, h, f, r), "a", 0)
		if got.ErrorCode != kerr.NotLeaderForPartition.Code || len(got.RecordBatches) != 0 {
			t.Errorf("v%d: %+v", v, got)
		}
	}
}

// A fetch short of min bytes waits for a high watermark to advance, and
// answers with what that brought.
func TestFetchWaitsForChanged(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	a, b := f.add(t, "a", 0), f.add(t, "b", 0)
	r := fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "b"})
	r.MinBytes, r.MaxWaitMillis = 1, int32(time.Hour/time.Millisecond)
	done := make(chan *kmsg.FetchResponse, 1)
	go func() {
		resp, err := h.serveFetch(fetchContextT(t), r, f.lookup)
		if err != nil {
			t.Error(err)
		}
		done <- decodeFetchResponse(t, resp)
	}()
	fetchWaitFor(t, func() bool { return b.waits() > 0 }) // the first pass is done
	select {
	case resp := <-done:
		t.Fatalf("answered before any record: %+v", resp)
	default:
	}
	want := len(b.produce(t, 1, 10, true))
	resp := <-done
	if got := fetchPartitionOf(t, resp, "b", 0); len(got.RecordBatches) != want {
		t.Fatalf("b: %+v, want %d bytes", got, want)
	}
	if got := fetchPartitionOf(t, resp, "a", 0); got.ErrorCode != 0 || len(got.RecordBatches) != 0 {
		t.Fatalf("a: %+v", got)
	}
	if a.waits() == 0 {
		t.Fatal("a was not watched")
	}
}

// Once max wait passes the fetch answers with what it has.
func TestFetchMaxWaitExpires(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	p := f.add(t, "a", 0)
	want := len(p.produce(t, 1, 10, true))
	r := fetchRequest(12, fetchPart{topic: "a"})
	r.MinBytes, r.MaxWaitMillis = 1<<20, 10
	if got := fetchPartitionOf(t, fetchDo(t, h, f, r), "a", 0); len(got.RecordBatches) != want {
		t.Fatalf("got %d bytes, want %d", len(got.RecordBatches), want)
	}
}

// A partition error answers at once: the client must hear it.
func TestFetchErrorEndsWait(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	f.add(t, "a", 0)
	r := fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "a", offset: 5})
	r.MinBytes, r.MaxWaitMillis = 1, int32(time.Hour/time.Millisecond)
	resp := fetchDo(t, h, f, r) // would time out the test otherwise
	if got := fetchPartitionOf(t, resp, "a", 0); got.ErrorCode != kerr.OffsetOutOfRange.Code {
		t.Fatalf("%+v", got)
	}
}

// A waiting fetch ends with its context, with the context's error.
func TestFetchWaitEndsWithContext(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	p := f.add(t, "a", 0)
	r := fetchRequest(12, fetchPart{topic: "a"})
	r.MinBytes, r.MaxWaitMillis = 1, int32(time.Hour/time.Millisecond)
	ctx, cancel := context.WithCancel(fetchContextT(t))
	done := make(chan error, 1)
	go func() {
		_, err := h.serveFetch(ctx, r, f.lookup)
		done <- err
	}()
	fetchWaitFor(t, func() bool { return p.waits() > 0 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

// More partitions than one select watches are all watched.
func TestFetchWaitsOnManyPartitions(t *testing.T) {
	changed := make([]chan struct{}, 3000)
	chans := make([]<-chan struct{}, len(changed))
	for i := range changed {
		changed[i] = make(chan struct{})
		chans[i] = changed[i]
	}
	close(changed[2500])
	if !waitFetchable(t.Context(), nil, chans) {
		t.Fatal("not woken")
	}
	expired := make(chan time.Time, 1)
	expired <- time.Now()
	if waitFetchable(t.Context(), expired, chans[:2000]) {
		t.Fatal("woken without a change")
	}
}

// fetchWaitFor polls cond until it holds, failing after fetchFailAfter.
func fetchWaitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(fetchFailAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met")
		}
		time.Sleep(time.Millisecond)
	}
}
