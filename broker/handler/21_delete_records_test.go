package handler

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func deleteRequest(version int16, topic string, partition int32, offset int64) *kmsg.DeleteRecordsRequest {
	r := kmsg.NewPtrDeleteRecordsRequest()
	r.Version, r.TimeoutMillis = version, 5000
	t := kmsg.NewDeleteRecordsRequestTopic()
	t.Topic = topic
	rp := kmsg.NewDeleteRecordsRequestTopicPartition()
	rp.Partition, rp.Offset = partition, offset
	t.Partitions = append(t.Partitions, rp)
	r.Topics = append(r.Topics, t)
	return r
}

func TestDeleteRecords(t *testing.T) {
	internal := dataTopic("__consumer_offsets", 2, 1)
	internal.Internal = true
	s := newDataServer(t, dataTopic("a", 1, 1), internal)
	produceAt(t, s, 10, 1000)
	cases := []struct {
		topic  string
		offset int64
		code   int16
		low    int64
	}{
		{"a", 11, kerr.OffsetOutOfRange.Code, -1},
		{"a", 4, 0, 4},
		{"a", 2, 0, 4},
		{"a", -1, 0, 10},
		{"__consumer_offsets", -1, kerr.InvalidTopicException.Code, -1},
		{"b", 0, kerr.UnknownTopicOrPartition.Code, -1},
	}
	for i, c := range cases {
		resp := mustDataServe[*kmsg.DeleteRecordsResponse](t, s, deleteRequest(int16(i%3), c.topic, 0, c.offset))
		got := resp.Topics[0].Partitions[0]
		if got.ErrorCode != c.code || got.LowWatermark != c.low {
			t.Errorf("%s to %d: %v, low watermark %d; want %v, %d", c.topic, c.offset, kerr.ErrorForCode(got.ErrorCode), got.LowWatermark, kerr.ErrorForCode(c.code), c.low)
		}
	}
}
