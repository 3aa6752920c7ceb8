package handler

// OffsetCommit, versions 0-9.
//
// Members commit with their generation and member id; a client outside
// group management (v0, or generation -1 and no member id) commits to a
// group without members. Partitions of topics the cluster does not have
// get UNKNOWN_TOPIC_OR_PARTITION here, as in Kafka; the rest go to the
// coordinator, which answers once the offsets are durable. v1's
// per-partition timestamp and v2-v4's retention time are honoured, v6
// added leader epochs, v7 instance ids. v10 replaces topic names with
// topic ids and is not served.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

func init() { register(kmsg.OffsetCommit.Int16(), 0, 9, (*Handler).offsetCommit) }

func (h *Handler) offsetCommit(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.OffsetCommitRequest)
	img := h.deps.Cluster.Image()
	known := *r
	known.Topics = nil
	for _, t := range r.Topics {
		kt := t
		kt.Partitions = nil
		for _, p := range t.Partitions {
			if partitionExists(img, t.Topic, p.Partition) {
				kt.Partitions = append(kt.Partitions, p)
			}
		}
		if len(kt.Partitions) > 0 {
			known.Topics = append(known.Topics, kt)
		}
	}
	codes := map[topicPartitionKey]int16{}
	if len(known.Topics) > 0 {
		for _, t := range h.deps.Groups.OffsetCommit(ctx, &known).Topics {
			for _, p := range t.Partitions {
				codes[topicPartitionKey{t.Topic, p.Partition}] = p.ErrorCode
			}
		}
	}
	resp := kmsg.NewPtrOffsetCommitResponse()
	for _, t := range r.Topics {
		rt := kmsg.OffsetCommitResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			code, ok := codes[topicPartitionKey{t.Topic, p.Partition}]
			if !ok {
				code = kerr.UnknownTopicOrPartition.Code
			}
			rt.Partitions = append(rt.Partitions, kmsg.OffsetCommitResponseTopicPartition{Partition: p.Partition, ErrorCode: code})
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp, nil
}

// topicPartitionKey names a partition in the group handlers' bookkeeping.
type topicPartitionKey struct {
	topic     string
	partition int32
}

// partitionExists reports whether the image has the partition.
func partitionExists(img *controller.Image, topic string, partition int32) bool {
	_, _, ok := img.Partition(topic, partition)
	return ok
}
