package handler

// DeleteTopics, versions 0-6.
//
// Topics are named up to v5 and, from v6, named or given by id (one or the
// other: both, or neither, is INVALID_REQUEST). A topic named or identified
// twice, either way, is INVALID_REQUEST for the repeats, as in Kafka. An
// unknown name is UNKNOWN_TOPIC_OR_PARTITION, an unknown id
// UNKNOWN_TOPIC_ID; internal topics cannot be deleted (the controller
// refuses with INVALID_TOPIC_EXCEPTION). Error messages are returned from
// v5, topic ids from v6. timeout_ms bounds the request when positive.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

func init() { register(kmsg.DeleteTopics.Int16(), 0, 6, (*Handler).deleteTopics) }

func (h *Handler) deleteTopics(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.DeleteTopicsRequest)
	ctx, cancel := adminTimeout(ctx, r.TimeoutMillis)
	defer cancel()
	targets := r.Topics
	if r.Version < 6 {
		targets = make([]kmsg.DeleteTopicsRequestTopic, len(r.TopicNames))
		for i := range r.TopicNames {
			targets[i].Topic = &r.TopicNames[i]
		}
	}
	img := h.deps.Cluster.Image()
	dupNames := adminDuplicates(targets, func(t kmsg.DeleteTopicsRequestTopic) string {
		if t.Topic == nil {
			return ""
		}
		return "name:" + *t.Topic
	})
	seenIDs := make(map[controller.TopicID]bool, len(targets))
	resp := kmsg.NewPtrDeleteTopicsResponse()
	for _, rt := range targets {
		dt := kmsg.NewDeleteTopicsResponseTopic()
		dt.Topic, dt.TopicID = rt.Topic, rt.TopicID
		name, err := deleteTarget(img, rt)
		if err == nil && rt.Topic != nil && dupNames["name:"+*rt.Topic] {
			err = adminErrorf(kerr.InvalidRequest, "Duplicate topic name.")
		}
		if err == nil {
			id := img.Topics[name].ID
			if seenIDs[id] {
				err = adminErrorf(kerr.InvalidRequest, "Duplicate topic id.")
			}
			seenIDs[id] = true
			dt.Topic, dt.TopicID = kmsg.StringPtr(name), id
		}
		if err == nil {
			err = h.deps.Cluster.DeleteTopic(ctx, name)
		}
		dt.ErrorCode, dt.ErrorMessage = errorCode(err), adminMessage(err)
		resp.Topics = append(resp.Topics, dt)
	}
	return resp, nil
}

// deleteTarget resolves a topic to delete, by name or by id, to the name
// of an existing topic.
func deleteTarget(img *controller.Image, rt kmsg.DeleteTopicsRequestTopic) (string, error) {
	id := controller.TopicID(rt.TopicID)
	switch {
	case rt.Topic != nil && !id.IsZero():
		return "", adminErrorf(kerr.InvalidRequest, "You may not specify both topic name and topic id.")
	case rt.Topic == nil && id.IsZero():
		return "", adminErrorf(kerr.InvalidRequest, "Neither topic name nor id were specified.")
	case rt.Topic == nil:
		t, ok := img.TopicByID(id)
		if !ok {
			return "", adminErrorf(kerr.UnknownTopicID, "topic id %s does not exist", id)
		}
		return t.Name, nil
	}
	if _, ok := img.Topic(*rt.Topic); !ok {
		return "", adminErrorf(kerr.UnknownTopicOrPartition, "topic '%s' does not exist", *rt.Topic)
	}
	return *rt.Topic, nil
}
