package handler

// CreateTopics, versions 0-7.
//
// Each topic is checked and created on its own, in request order, through
// the controller, which applies Kafka's rules for names, partition counts,
// replication factors and manual assignments. A replication factor above
// the number of registered brokers is INVALID_REPLICATION_FACTOR with a
// message that says so. num_partitions and replication_factor of -1 mean
// num.partitions and default.replication.factor (KIP-464, v4; older
// versions are held to the same rule, as Kafka's controller does); a
// manual assignment requires both to be -1. Configs are checked by name
// and value against the topic config registry: an unknown name or a bad
// value is INVALID_CONFIG with a message naming it. A name repeated in one
// request is INVALID_REQUEST for every occurrence.
//
// validate_only (v1+) runs every check and creates nothing. Error messages
// are returned from v1, the topic's partition count, replication factor
// and effective configs with their sources from v5 (KIP-525; configs for
// at most the first 1000 topics of a request), and its id from v7. timeout_ms bounds the request when positive: a creation it cuts
// short is REQUEST_TIMED_OUT and may still complete, as in Kafka.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

func init() { register(kmsg.CreateTopics.Int16(), 0, 7, (*Handler).createTopics) }

func (h *Handler) createTopics(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.CreateTopicsRequest)
	ctx, cancel := adminTimeout(ctx, r.TimeoutMillis)
	defer cancel()
	dup := adminDuplicates(r.Topics, func(t kmsg.CreateTopicsRequestTopic) string { return t.Topic })
	resp := kmsg.NewPtrCreateTopicsResponse()
	withConfigs := 0
	if r.Version >= 5 {
		withConfigs = maxTopicsWithConfigs
	}
	for i := range r.Topics {
		rt := &r.Topics[i]
		st := kmsg.NewCreateTopicsResponseTopic()
		st.Topic = rt.Topic
		if dup[rt.Topic] {
			setCreateError(&st, adminErrorf(kerr.InvalidRequest, "Duplicate topic name."))
		} else if h.createTopic(ctx, &st, rt, r.ValidateOnly, withConfigs > 0) {
			withConfigs--
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp, nil
}

// maxTopicsWithConfigs bounds the topics of one response that carry their
// configs (v5+), about 1 KiB each: past it, a request naming millions of
// topics (validate_only creates nothing, so nothing else limits it) would
// make a response fifty times its size.
const maxTopicsWithConfigs = 1000

// createTopic creates (or with validateOnly, checks) one topic and fills in
// st, with the topic's configs if withConfigs. It reports whether the topic
// was created or would be.
func (h *Handler) createTopic(ctx context.Context, st *kmsg.CreateTopicsResponseTopic,
	rt *kmsg.CreateTopicsRequestTopic, validateOnly, withConfigs bool) bool {
	img := h.deps.Cluster.Image()
	spec, err := topicSpec(rt, h.brokerConfigs(img))
	if err == nil && validateOnly {
		err = h.deps.Cluster.ValidateTopic(spec)
		st.NumPartitions, st.ReplicationFactor = specShape(spec)
	} else if err == nil {
		var t *controller.Topic
		if t, err = h.deps.Cluster.CreateTopic(ctx, spec); err == nil {
			st.TopicID, st.NumPartitions = t.ID, int32(len(t.Partitions))
			if len(t.Partitions) > 0 {
				st.ReplicationFactor = int16(len(t.Partitions[0].Replicas))
			}
		}
	}
	if err != nil {
		st.NumPartitions, st.ReplicationFactor = -1, -1
		setCreateError(st, err)
		return false
	}
	if withConfigs {
		topic := config.ResolveTopic(config.Layers{Topic: spec.Configs, Dynamic: img.BrokerConfigs, Static: h.deps.Config})
		for _, v := range topic.All() {
			c := kmsg.NewCreateTopicsResponseTopicConfig()
			c.Name, c.Value, c.Source, c.IsSensitive = v.Def.Name, configValue(v), int8(v.Source), v.Def.Sensitive()
			st.Configs = append(st.Configs, c)
		}
	}
	return true
}

func setCreateError(st *kmsg.CreateTopicsResponseTopic, err error) {
	st.ErrorCode = errorCode(err)
	st.ErrorMessage = adminMessage(err)
}

// topicSpec turns a request topic into the controller's spec: the configs
// checked, the -1 defaults resolved from the broker configs bc, and a
// manual assignment ordered by partition.
func topicSpec(rt *kmsg.CreateTopicsRequestTopic, bc *config.Resolved) (controller.TopicSpec, error) {
	spec := controller.TopicSpec{Name: rt.Topic, Partitions: rt.NumPartitions, ReplicationFactor: rt.ReplicationFactor}
	configs, err := requestTopicConfigs(rt.Configs)
	if err != nil {
		return spec, err
	}
	spec.Configs = configs
	if len(rt.ReplicaAssignment) > 0 {
		spec.Assignment, err = manualAssignment(rt)
		return spec, err
	}
	// A topic restored from the object store (strata.remote.recovery)
	// takes its partition count from the bucket: -1 stays for the broker.
	if spec.Partitions == -1 && configs["strata.remote.recovery"] != "true" {
		spec.Partitions = int32(bc.Int64("num.partitions"))
	}
	if spec.ReplicationFactor == -1 {
		spec.ReplicationFactor = int16(min(bc.Int64("default.replication.factor"), 1<<15-1))
	}
	return spec, nil
}

// requestTopicConfigs collects and checks a new topic's configs.
func requestTopicConfigs(cs []kmsg.CreateTopicsRequestTopicConfig) (map[string]string, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	configs := make(map[string]string, len(cs))
	for _, c := range cs {
		if c.Value == nil {
			return nil, adminErrorf(kerr.InvalidConfig, "config %s has a null value", c.Name)
		}
		configs[c.Name] = *c.Value
	}
	return configs, firstInvalid(configs, config.ValidateTopic)
}

// manualAssignment orders a manual assignment by partition: every
// partition from 0 once.
func manualAssignment(rt *kmsg.CreateTopicsRequestTopic) ([][]int32, error) {
	if rt.ReplicationFactor != -1 {
		return nil, adminErrorf(kerr.InvalidRequest, "A manual partition assignment was specified, but replication factor was not set to -1.")
	}
	if rt.NumPartitions != -1 {
		return nil, adminErrorf(kerr.InvalidRequest, "A manual partition assignment was specified, but numPartitions was not set to -1.")
	}
	out := make([][]int32, len(rt.ReplicaAssignment))
	for _, a := range rt.ReplicaAssignment {
		p := a.Partition
		switch {
		case p < 0 || int(p) >= len(out):
			return nil, adminErrorf(kerr.InvalidReplicaAssignment, "partitions should be a consecutive 0-based integer sequence")
		case out[p] != nil:
			return nil, adminErrorf(kerr.InvalidReplicaAssignment, "Found multiple manual partition assignments for partition %d", p)
		}
		out[p] = slices.Clone(a.Replicas)
		if out[p] == nil {
			out[p] = []int32{}
		}
	}
	return out, nil
}

// specShape is the partition count and replication factor a spec asks for.
func specShape(spec controller.TopicSpec) (int32, int16) {
	if len(spec.Assignment) > 0 {
		return int32(len(spec.Assignment)), int16(len(spec.Assignment[0]))
	}
	return spec.Partitions, spec.ReplicationFactor
}

// configValue is a resolved config's value as the admin APIs return it:
// null for a secret or for no value.
func configValue(v *config.Value) *string {
	if v.Null || v.Def.Sensitive() {
		return nil
	}
	return kmsg.StringPtr(v.Value)
}

// The helpers below serve every admin API (CreateTopics, DeleteTopics,
// CreatePartitions and the config APIs).

// adminTimeout bounds an admin request by its timeout_ms; zero or less
// leaves the request bounded only by its connection.
func adminTimeout(ctx context.Context, ms int32) (context.Context, context.CancelFunc) {
	if ms <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, time.Duration(ms)*time.Millisecond)
}

// adminDuplicates returns the keys that occur more than once in items.
func adminDuplicates[T any](items []T, key func(T) string) map[string]bool {
	count := make(map[string]int, len(items))
	for _, it := range items {
		count[key(it)]++
	}
	dup := make(map[string]bool)
	for k, n := range count {
		if n > 1 {
			dup[k] = true
		}
	}
	return dup
}

// adminError is a Kafka error with the message a client is shown, for the
// admin APIs' per-resource error_message fields.
type adminError struct {
	code *kerr.Error
	msg  string
}

func (e *adminError) Error() string { return e.msg }
func (e *adminError) Unwrap() error { return e.code }

// adminErrorf returns an error that maps to code and reads as the
// formatted message.
func adminErrorf(code *kerr.Error, format string, args ...any) error {
	return &adminError{code: code, msg: fmt.Sprintf(format, args...)}
}

// adminMessage is the error_message for err: nil for no error.
func adminMessage(err error) *string {
	if err == nil {
		return nil
	}
	return kmsg.StringPtr(err.Error())
}
