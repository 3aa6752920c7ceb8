package handler

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func epochRequest(version int16, topic string, partition, epoch, current int32) *kmsg.OffsetForLeaderEpochRequest {
	r := kmsg.NewPtrOffsetForLeaderEpochRequest()
	r.Version, r.ReplicaID = version, -1
	t := kmsg.NewOffsetForLeaderEpochRequestTopic()
	t.Topic = topic
	rp := kmsg.NewOffsetForLeaderEpochRequestTopicPartition()
	rp.Partition, rp.LeaderEpoch, rp.CurrentLeaderEpoch = partition, epoch, current
	t.Partitions = append(t.Partitions, rp)
	r.Topics = append(r.Topics, t)
	return r
}

func TestOffsetForLeaderEpoch(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	produceAt(t, s, 5, 1000)
	cases := []struct {
		version        int16
		partition      int32
		epoch, current int32
		code           int16
		wantEpoch      int32
		wantEnd        int64
	}{
		{4, 0, 4, 4, 0, 4, 5},
		{4, 0, 3, -1, 0, 3, 0}, // below the first known epoch: its start
		{4, 0, 9, -1, 0, -1, -1},
		{2, 0, 4, 3, kerr.FencedLeaderEpoch.Code, -1, -1},
		{3, 0, 4, 6, kerr.UnknownLeaderEpoch.Code, -1, -1},
		{0, 0, 4, -1, 0, 4, 5},
		{4, 2, 4, -1, kerr.UnknownTopicOrPartition.Code, -1, -1},
	}
	for _, c := range cases {
		resp := mustDataServe[*kmsg.OffsetForLeaderEpochResponse](t, s, epochRequest(c.version, "a", c.partition, c.epoch, c.current))
		got := resp.Topics[0].Partitions[0]
		wantEpoch := c.wantEpoch
		if c.version == 0 {
			wantEpoch = -1 // not on the wire
		}
		if got.ErrorCode != c.code || got.LeaderEpoch != wantEpoch || got.EndOffset != c.wantEnd {
			t.Errorf("v%d epoch %d current %d: %+v", c.version, c.epoch, c.current, got)
		}
	}
}
