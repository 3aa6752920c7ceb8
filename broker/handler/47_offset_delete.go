package handler

// OffsetDelete, version 0.
//
// Deletes committed offsets of a group (KIP-496): any of an empty group's,
// and of an active consumer group only those of topics it does not
// subscribe to (GROUP_SUBSCRIBED_TO_TOPIC otherwise). Partitions of topics
// the cluster does not have get UNKNOWN_TOPIC_OR_PARTITION here, as in
// Kafka; a group-wide error answers alone.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.OffsetDelete.Int16(), 0, 0, (*Handler).offsetDelete) }

func (h *Handler) offsetDelete(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.OffsetDeleteRequest)
	img := h.deps.Cluster.Image()
	known := *r
	known.Topics = nil
	for _, t := range r.Topics {
		kt := kmsg.OffsetDeleteRequestTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			if partitionExists(img, t.Topic, p.Partition) {
				kt.Partitions = append(kt.Partitions, p)
			}
		}
		if len(kt.Partitions) > 0 {
			known.Topics = append(known.Topics, kt)
		}
	}
	resp := h.deps.Groups.OffsetDelete(ctx, &known)
	if resp.ErrorCode != 0 {
		resp.Topics = nil
		return resp, nil
	}
	codes := map[topicPartitionKey]int16{}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			codes[topicPartitionKey{t.Topic, p.Partition}] = p.ErrorCode
		}
	}
	resp.Topics = nil
	for _, t := range r.Topics {
		rt := kmsg.OffsetDeleteResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			code, ok := codes[topicPartitionKey{t.Topic, p.Partition}]
			if !ok {
				code = kerr.UnknownTopicOrPartition.Code
			}
			rt.Partitions = append(rt.Partitions, kmsg.OffsetDeleteResponseTopicPartition{Partition: p.Partition, ErrorCode: code})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}
