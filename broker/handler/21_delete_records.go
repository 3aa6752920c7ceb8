package handler

// DeleteRecords, versions 0-2.
//
// Moves each partition's log start offset (its low watermark) up to the
// offset asked for, -1 meaning the high watermark (replication.Partition
// DeleteRecords); an offset above the high watermark is
// OFFSET_OUT_OF_RANGE, and the records of internal topics cannot be
// deleted (INVALID_TOPIC_EXCEPTION), as in Kafka. With one replica the
// deletion is done when the log start moves, so the request's timeout has
// nothing to bound. Version 1 changed nothing on the wire, 2 added
// flexible encoding.

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.DeleteRecords.Int16(), 0, 2, (*Handler).deleteRecords) }

func (h *Handler) deleteRecords(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.DeleteRecordsRequest)
	resp := kmsg.NewPtrDeleteRecordsResponse()
	img := h.deps.Cluster.Image()
	resp.Topics = make([]kmsg.DeleteRecordsResponseTopic, len(r.Topics))
	for i, rt := range r.Topics {
		st := &resp.Topics[i]
		st.Topic = rt.Topic
		st.Partitions = make([]kmsg.DeleteRecordsResponseTopicPartition, len(rt.Partitions))
		internal := false
		if img != nil {
			if t, ok := img.Topic(rt.Topic); ok {
				internal = t.Internal
			}
		}
		for j, rp := range rt.Partitions {
			out := &st.Partitions[j]
			*out = kmsg.NewDeleteRecordsResponseTopicPartition()
			out.Partition = rp.Partition
			low, err := h.deleteRecordsOf(ctx, rt.Topic, internal, rp)
			out.LowWatermark, out.ErrorCode = low, errorCode(err)
		}
	}
	return resp, nil
}

// deleteRecordsOf deletes one partition's records below the offset asked
// for and returns its new low watermark.
func (h *Handler) deleteRecordsOf(ctx context.Context, topic string, internal bool, rp kmsg.DeleteRecordsRequestTopicPartition) (int64, error) {
	if internal {
		return -1, fmt.Errorf("cannot delete records of internal topic %s: %w", topic, kerr.InvalidTopicException)
	}
	p, err := h.deps.Partitions.Partition(topic, rp.Partition)
	if err != nil {
		return -1, err
	}
	return p.DeleteRecords(ctx, rp.Offset)
}
