package handler

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// listRequest asks for partition 0..n of topic at timestamp ts.
func listRequest(version int16, topic string, ts int64, partitions ...int32) *kmsg.ListOffsetsRequest {
	r := kmsg.NewPtrListOffsetsRequest()
	r.Version = version
	t := kmsg.NewListOffsetsRequestTopic()
	t.Topic = topic
	for _, p := range partitions {
		rp := kmsg.NewListOffsetsRequestTopicPartition()
		rp.Partition, rp.Timestamp = p, ts
		t.Partitions = append(t.Partitions, rp)
	}
	r.Topics = append(r.Topics, t)
	return r
}

// produceAt produces n records at timestamps ts, ts+1, ... to a-0.
func produceAt(t *testing.T, s *dataServer, n int, ts int64) {
	t.Helper()
	p, err := s.mgr.Partition("a", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Produce(t.Context(), batchtest.Values(n, 10, batchtest.Options{BaseTimestamp: ts}), 1); err != nil {
		t.Fatal(err)
	}
}

func TestListOffsets(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	produceAt(t, s, 3, 1000)
	produceAt(t, s, 3, 2000)
	cases := []struct {
		ts, offset, timestamp int64
		epoch                 int32
	}{
		{-1, 6, -1, 4}, {-2, 0, -1, 4}, {-3, 5, 2002, 4}, {-4, 0, -1, 4}, {-5, -1, -1, -1},
		{1001, 1, 1001, 4}, {1500, 3, 2000, 4}, {3000, -1, -1, -1},
	}
	for _, c := range cases {
		resp := mustDataServe[*kmsg.ListOffsetsResponse](t, s, listRequest(10, "a", c.ts, 0))
		got := resp.Topics[0].Partitions[0]
		if got.ErrorCode != 0 || got.Offset != c.offset || got.Timestamp != c.timestamp || got.LeaderEpoch != c.epoch {
			t.Errorf("timestamp %d: %+v", c.ts, got)
		}
	}
	// Version 0 answers in the old offsets list.
	resp := mustDataServe[*kmsg.ListOffsetsResponse](t, s, listRequest(0, "a", -1, 0))
	if got := resp.Topics[0].Partitions[0].OldStyleOffsets; !slices.Equal(got, []int64{6}) {
		t.Fatalf("v0 offsets %v", got)
	}
	resp = mustDataServe[*kmsg.ListOffsetsResponse](t, s, listRequest(1, "a", -2, 0))
	if got := resp.Topics[0].Partitions[0]; got.Offset != 0 || got.ErrorCode != 0 {
		t.Fatalf("v1 earliest %+v", got)
	}
}

func TestListOffsetsErrors(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 2))
	resp := mustDataServe[*kmsg.ListOffsetsResponse](t, s, listRequest(7, "a", -1, 0, 1, 0, 5))
	codes := []int16{}
	for _, p := range resp.Topics[0].Partitions {
		codes = append(codes, p.ErrorCode)
	}
	want := []int16{kerr.InvalidRequest.Code, 0, kerr.InvalidRequest.Code, kerr.UnknownTopicOrPartition.Code}
	if !slices.Equal(codes, want) {
		t.Fatalf("codes %v, want %v", codes, want)
	}
	for epoch, code := range map[int32]int16{3: kerr.FencedLeaderEpoch.Code, 5: kerr.UnknownLeaderEpoch.Code, 4: 0, -1: 0} {
		r := listRequest(4, "a", -1, 0)
		r.Topics[0].Partitions[0].CurrentLeaderEpoch = epoch
		if got := mustDataServe[*kmsg.ListOffsetsResponse](t, s, r).Topics[0].Partitions[0].ErrorCode; got != code {
			t.Errorf("current epoch %d: %v, want %v", epoch, kerr.ErrorForCode(got), kerr.ErrorForCode(code))
		}
	}
}
