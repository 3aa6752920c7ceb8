package handler

// Metadata, versions 0-13.
//
// Every version is served from the current metadata image: the registered
// brokers, the cluster id (v2+), the controller id (v1+: the broker that
// accepts admin requests), and topics with their ids (v10+), internal flag
// (v1+) and partitions: leader, leader epoch (v7+), replicas, ISR and
// offline replicas (v5+). No topics asked for (null from v1, an empty list
// in v0) means every topic. From v12 a topic may be asked for by id alone;
// earlier versions refuse ids with INVALID_REQUEST, as Kafka does. v13 only
// adds a top-level error code, always NONE here.
//
// A topic asked for by name that does not exist is created when
// auto.create.topics.enable is true (the static broker config, or its
// dynamic value) and the request allows it (always before v4, the
// allow_auto_topic_creation flag from v4), with num.partitions and
// default.replication.factor; the response then carries
// LEADER_NOT_AVAILABLE for it, as Kafka's does, and the client retries.
// Internal topic names (__consumer_offsets, __transaction_state) are
// never auto-created here: their owners create them. An illegal name is
// INVALID_TOPIC_EXCEPTION whether or not creation is allowed.
//
// Without ACLs every operation is authorized, so the authorized-operations
// bit fields (v8+, when asked for) list all of a topic's or the cluster's.

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

func init() { register(kmsg.Metadata.Int16(), 0, 13, (*Handler).metadata) }

// Authorized-operation bit fields (1 << AclOperation) with every operation
// allowed: READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS
// and ALTER_CONFIGS for a topic; CREATE, ALTER, DESCRIBE, CLUSTER_ACTION,
// DESCRIBE_CONFIGS, ALTER_CONFIGS and IDEMPOTENT_WRITE for the cluster.
const (
	allTopicOperations   = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11
	allClusterOperations = 1<<5 | 1<<7 | 1<<8 | 1<<9 | 1<<10 | 1<<11 | 1<<12
)

// internalTopicNames are the topics the broker's own subsystems create.
var internalTopicNames = map[string]bool{"__consumer_offsets": true, "__transaction_state": true}

func (h *Handler) metadata(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.MetadataRequest)
	img := h.deps.Cluster.Image()
	resp := kmsg.NewPtrMetadataResponse()
	resp.Brokers = metadataBrokers(img)
	resp.ClusterID = kmsg.StringPtr(img.ClusterID)
	resp.ControllerID = img.ControllerID
	if r.Version >= 8 && r.Version <= 10 && r.IncludeClusterAuthorizedOperations {
		resp.AuthorizedOperations = allClusterOperations
	}
	if r.Topics == nil || r.Version == 0 && len(r.Topics) == 0 {
		for _, name := range img.TopicNames() {
			resp.Topics = append(resp.Topics, metadataTopic(img, img.Topics[name]))
		}
	} else {
		resp.Topics = h.requestedTopics(ctx, img, r)
	}
	if r.Version >= 8 && r.IncludeTopicAuthorizedOperations {
		for i := range resp.Topics {
			resp.Topics[i].AuthorizedOperations = allTopicOperations
		}
	}
	return resp, nil
}

// metadataBrokers lists the registered brokers in id order.
func metadataBrokers(img *controller.Image) []kmsg.MetadataResponseBroker {
	out := make([]kmsg.MetadataResponseBroker, 0, len(img.Brokers))
	for _, id := range img.BrokerIDs() {
		b := img.Brokers[id]
		mb := kmsg.NewMetadataResponseBroker()
		mb.NodeID, mb.Host, mb.Port = b.ID, b.Host, b.Port
		if b.Rack != "" {
			mb.Rack = kmsg.StringPtr(b.Rack)
		}
		out = append(out, mb)
	}
	return out
}

// requestedTopics answers the topics a request names, by name or (v12+) by
// id, once each, auto-creating missing ones where allowed.
func (h *Handler) requestedTopics(ctx context.Context, img *controller.Image, r *kmsg.MetadataRequest) []kmsg.MetadataResponseTopic {
	var out []kmsg.MetadataResponseTopic
	var missing []string
	seen := make(map[string]bool, len(r.Topics))
	seenIDs := make(map[controller.TopicID]bool)
	for _, rt := range r.Topics {
		id := controller.TopicID(rt.TopicID)
		switch {
		case !id.IsZero() && r.Version < 12, rt.Topic == nil && id.IsZero():
			out = append(out, metadataTopicError(rt.Topic, id, kerr.InvalidRequest.Code))
		case !id.IsZero():
			if !seenIDs[id] {
				seenIDs[id] = true
				out = append(out, metadataTopicByID(img, id))
			}
		case !seen[*rt.Topic]:
			seen[*rt.Topic] = true
			if t, ok := img.Topic(*rt.Topic); ok {
				out = append(out, metadataTopic(img, t))
			} else {
				missing = append(missing, *rt.Topic)
			}
		}
	}
	allowCreate := r.Version < 4 || r.AllowAutoTopicCreation
	for _, name := range missing {
		out = append(out, metadataTopicError(&name, controller.TopicID{}, h.missingTopic(ctx, img, name, allowCreate)))
	}
	return out
}

func metadataTopicByID(img *controller.Image, id controller.TopicID) kmsg.MetadataResponseTopic {
	if t, ok := img.TopicByID(id); ok {
		return metadataTopic(img, t)
	}
	return metadataTopicError(nil, id, kerr.UnknownTopicID.Code)
}

// missingTopic returns the error code for a topic asked for by name that
// does not exist, creating it first when that is allowed.
func (h *Handler) missingTopic(ctx context.Context, img *controller.Image, name string, allowCreate bool) int16 {
	if err := checkTopicName(name); err != nil {
		return errorCode(err)
	}
	bc := h.brokerConfigs(img)
	if !allowCreate || internalTopicNames[name] || !bc.Bool("auto.create.topics.enable") {
		return kerr.UnknownTopicOrPartition.Code
	}
	spec := controller.TopicSpec{
		Name:              name,
		Partitions:        int32(bc.Int64("num.partitions")),
		ReplicationFactor: int16(min(bc.Int64("default.replication.factor"), 1<<15-1)),
	}
	_, err := h.deps.Cluster.CreateTopic(ctx, spec)
	if err != nil && !errors.Is(err, controller.ErrTopicExists) {
		h.log.Debug("metadata: auto-create topic", "topic", name, "err", err)
		return errorCode(err)
	}
	return kerr.LeaderNotAvailable.Code
}

// metadataTopicError is a topic entry carrying only an error.
func metadataTopicError(name *string, id controller.TopicID, code int16) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	mt.Topic, mt.TopicID, mt.ErrorCode = name, id, code
	mt.IsInternal = name != nil && internalTopicNames[*name]
	return mt
}

func metadataTopic(img *controller.Image, t *controller.Topic) kmsg.MetadataResponseTopic {
	mt := kmsg.NewMetadataResponseTopic()
	mt.Topic = kmsg.StringPtr(t.Name)
	mt.TopicID = t.ID
	mt.IsInternal = t.Internal
	mt.Partitions = make([]kmsg.MetadataResponseTopicPartition, 0, len(t.Partitions))
	for i := range t.Partitions {
		mt.Partitions = append(mt.Partitions, metadataPartition(img, &t.Partitions[i]))
	}
	return mt
}

// metadataPartition describes a partition. A leader that is not a
// registered broker is reported as no leader (LEADER_NOT_AVAILABLE), and a
// replica on an unregistered broker as offline.
func metadataPartition(img *controller.Image, p *controller.Partition) kmsg.MetadataResponseTopicPartition {
	mp := kmsg.NewMetadataResponseTopicPartition()
	mp.Partition = p.Index
	mp.Leader = p.Leader
	mp.LeaderEpoch = p.LeaderEpoch
	mp.Replicas = p.Replicas
	mp.ISR = p.ISR
	if _, ok := img.Brokers[p.Leader]; !ok {
		mp.Leader = -1
		mp.ErrorCode = kerr.LeaderNotAvailable.Code
	}
	for _, id := range p.Replicas {
		if _, ok := img.Brokers[id]; !ok {
			mp.OfflineReplicas = append(mp.OfflineReplicas, id)
		}
	}
	return mp
}

// brokerConfigs resolves the broker configs: dynamic ones from the image
// over the static ones this broker started with.
func (h *Handler) brokerConfigs(img *controller.Image) *config.Resolved {
	return config.ResolveBroker(config.Layers{Dynamic: img.BrokerConfigs, Static: h.deps.Config})
}

// maxTopicNameLength is Kafka's limit: a partition directory is named
// topic-partition, and file names are at most 255 bytes.
const maxTopicNameLength = 249

// checkTopicName applies Kafka's rules for a legal topic name; an illegal
// one is INVALID_TOPIC_EXCEPTION. The controller applies the same rules
// (and the collision rule) when it creates a topic; this check serves the
// requests that only read.
func checkTopicName(name string) error {
	switch {
	case name == "":
		return adminErrorf(kerr.InvalidTopicException, "topic name is illegal, it can't be empty")
	case name == "." || name == "..":
		return adminErrorf(kerr.InvalidTopicException, `topic name cannot be "." or ".."`)
	case len(name) > maxTopicNameLength:
		return adminErrorf(kerr.InvalidTopicException,
			"topic name is illegal, it can't be longer than %d characters, topic name: %s", maxTopicNameLength, name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return adminErrorf(kerr.InvalidTopicException,
				"topic name %q is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'", name)
		}
	}
	return nil
}
