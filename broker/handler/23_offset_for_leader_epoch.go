package handler

// OffsetForLeaderEpoch, versions 0-4.
//
// For each partition, the largest leader epoch at or below the one asked
// for and the offset where it ended (replication.Partition
// EndOffsetForEpoch): consumers use it to detect log truncation after a
// leader change (KIP-320), followers to find where to truncate. Version 1
// added the epoch to the answer, 2 the current leader epoch, checked as
// Fetch checks it (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH), 3 the
// replica id (-1 for consumers; Strata answers brokers the same way, as
// the leader of every partition it has), 4 flexible encoding.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() {
	register(kmsg.OffsetForLeaderEpoch.Int16(), 0, 4, (*Handler).offsetForLeaderEpoch)
}

func (h *Handler) offsetForLeaderEpoch(_ context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.OffsetForLeaderEpochRequest)
	resp := kmsg.NewPtrOffsetForLeaderEpochResponse()
	resp.Topics = make([]kmsg.OffsetForLeaderEpochResponseTopic, len(r.Topics))
	for i, rt := range r.Topics {
		st := &resp.Topics[i]
		st.Topic = rt.Topic
		st.Partitions = make([]kmsg.OffsetForLeaderEpochResponseTopicPartition, len(rt.Partitions))
		for j, rp := range rt.Partitions {
			out := &st.Partitions[j]
			*out = kmsg.NewOffsetForLeaderEpochResponseTopicPartition()
			out.Partition = rp.Partition
			p, err := h.deps.Partitions.Partition(rt.Topic, rp.Partition)
			if err == nil {
				err = p.CheckLeaderEpoch(rp.CurrentLeaderEpoch)
			}
			if err == nil {
				out.LeaderEpoch, out.EndOffset, err = p.EndOffsetForEpoch(rp.LeaderEpoch)
			}
			if err != nil {
				out.ErrorCode = errorCode(err)
				out.LeaderEpoch, out.EndOffset = -1, -1
			}
		}
	}
	return resp, nil
}
