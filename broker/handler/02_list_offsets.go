package handler

// ListOffsets, versions 0-10.
//
// Version 0 answers with the old list of offsets, holding the one offset
// found (Kafka's version 0 could list segment start offsets too; clients
// ask for one). Version 1 returns a single offset and its timestamp, 2
// added the isolation level (read_committed lists up to the last stable
// offset, today the high watermark), 4 the current leader epoch, checked
// as Fetch checks it (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH), and the
// leader epoch of the answer, 5 no change for a broker that is always
// caught up, 6 flexible encoding, 7 the max-timestamp lookup (-3), 8 the
// earliest local offset (-4: where the hot tier starts), 9 the latest
// tiered offset (-5: the last offset uploaded, -1 when none is), 10 a
// timeout for lookups in the remote tier, which the request's context
// carries.
//
// A partition named twice in one request is answered INVALID_REQUEST, as
// Kafka does. Lookups that find nothing answer offset -1, timestamp -1.

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.ListOffsets.Int16(), 0, 10, (*Handler).listOffsets) }

func (h *Handler) listOffsets(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.ListOffsetsRequest)
	if req.Version >= 10 && r.TimeoutMillis > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(r.TimeoutMillis)*time.Millisecond)
		defer cancel()
	}
	resp := kmsg.NewPtrListOffsetsResponse()
	seen := map[listedPartition]int{}
	for _, rt := range r.Topics {
		for _, rp := range rt.Partitions {
			seen[listedPartition{rt.Topic, rp.Partition}]++
		}
	}
	resp.Topics = make([]kmsg.ListOffsetsResponseTopic, len(r.Topics))
	for i, rt := range r.Topics {
		st := &resp.Topics[i]
		st.Topic = rt.Topic
		st.Partitions = make([]kmsg.ListOffsetsResponseTopicPartition, len(rt.Partitions))
		for j := range rt.Partitions {
			rp := &rt.Partitions[j]
			out := &st.Partitions[j]
			*out = kmsg.NewListOffsetsResponseTopicPartition()
			out.Partition = rp.Partition
			if seen[listedPartition{rt.Topic, rp.Partition}] > 1 {
				out.ErrorCode = kerr.InvalidRequest.Code
				continue
			}
			h.listOffset(ctx, r, rt.Topic, rp, out)
		}
	}
	return resp, nil
}

// listedPartition names a partition in a ListOffsets request.
type listedPartition struct {
	topic     string
	partition int32
}

// listOffset answers one partition.
func (h *Handler) listOffset(ctx context.Context, r *kmsg.ListOffsetsRequest, topic string, rp *kmsg.ListOffsetsRequestTopicPartition, out *kmsg.ListOffsetsResponseTopicPartition) {
	p, err := h.deps.Partitions.Partition(topic, rp.Partition)
	if err == nil {
		err = p.CheckLeaderEpoch(rp.CurrentLeaderEpoch)
	}
	if err != nil {
		out.ErrorCode = errorCode(err)
		return
	}
	offset, ts, epoch, err := p.ListOffset(ctx, rp.Timestamp, r.IsolationLevel)
	if err != nil {
		out.ErrorCode = errorCode(err)
		h.log.Warn("handler: list offsets failed", "topic", topic, "partition", rp.Partition, "err", err)
		return
	}
	out.Offset, out.Timestamp, out.LeaderEpoch = offset, ts, epoch
	if r.Version == 0 {
		out.OldStyleOffsets = []int64{}
		if offset >= 0 && rp.MaxNumOffsets > 0 {
			out.OldStyleOffsets = append(out.OldStyleOffsets, offset)
		}
	}
}
