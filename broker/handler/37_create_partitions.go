package handler

// CreatePartitions, versions 0-3.
//
// Each topic grows to its requested count through the controller: a count
// that is not an increase is INVALID_PARTITIONS, an unknown topic
// UNKNOWN_TOPIC_OR_PARTITION. A manual assignment gives the replicas of
// the new partitions only, one list each, as many replicas as the existing
// partitions have (else INVALID_REPLICA_ASSIGNMENT); without one, the new
// partitions continue the topic's placement. A topic named twice is
// INVALID_REQUEST for every occurrence. validate_only runs the checks and
// changes nothing. v1-v3 change nothing but the encoding and throttling.
// timeout_ms bounds the request when positive.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.CreatePartitions.Int16(), 0, 3, (*Handler).createPartitions) }

func (h *Handler) createPartitions(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.CreatePartitionsRequest)
	ctx, cancel := adminTimeout(ctx, r.TimeoutMillis)
	defer cancel()
	dup := adminDuplicates(r.Topics, func(t kmsg.CreatePartitionsRequestTopic) string { return t.Topic })
	resp := kmsg.NewPtrCreatePartitionsResponse()
	for _, rt := range r.Topics {
		ct := kmsg.NewCreatePartitionsResponseTopic()
		ct.Topic = rt.Topic
		var err error
		if dup[rt.Topic] {
			err = adminErrorf(kerr.InvalidRequest, "Duplicate topic name.")
		} else {
			err = h.deps.Cluster.CreatePartitions(ctx, rt.Topic, rt.Count, newAssignment(rt.Assignment), r.ValidateOnly)
		}
		ct.ErrorCode, ct.ErrorMessage = errorCode(err), adminMessage(err)
		resp.Topics = append(resp.Topics, ct)
	}
	return resp, nil
}

// newAssignment is the replica lists of the new partitions; nil for none.
func newAssignment(as []kmsg.CreatePartitionsRequestTopicAssignment) [][]int32 {
	if len(as) == 0 {
		return nil
	}
	out := make([][]int32, len(as))
	for i, a := range as {
		out[i] = a.Replicas
	}
	return out
}
