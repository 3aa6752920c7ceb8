package handler

// AlterConfigs, versions 0-2.
//
// The legacy, non-incremental config change: a resource's configs are
// replaced by exactly those in the request, which is why clients prefer
// IncrementalAlterConfigs. A topic resource replaces the topic's
// overrides; the broker resource "" replaces the dynamic cluster-wide
// broker configs. Strata has no per-broker dynamic configs, so the broker
// resource named by this broker's id is refused with INVALID_REQUEST; any
// other broker name is INVALID_REQUEST as in DescribeConfigs.
//
// Checks, per resource, with Kafka's codes: a resource named twice in one
// request, a config named twice in one resource, and a null value are
// INVALID_REQUEST; an unknown topic is UNKNOWN_TOPIC_OR_PARTITION; a topic
// config of unknown name or bad value is INVALID_CONFIG; a broker config
// that is unknown, bad, or only settable at start-up is INVALID_REQUEST
// (Kafka reports broker config validation failures so). validate_only
// runs every check and changes nothing. v1 and v2 change only the
// throttling and encoding.

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.AlterConfigs.Int16(), 0, 2, (*Handler).alterConfigs) }

func (h *Handler) alterConfigs(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.AlterConfigsRequest)
	dup := adminDuplicates(r.Resources, func(rr kmsg.AlterConfigsRequestResource) string {
		return resourceKey(rr.ResourceType, rr.ResourceName)
	})
	resp := kmsg.NewPtrAlterConfigsResponse()
	for _, rr := range r.Resources {
		res := kmsg.NewAlterConfigsResponseResource()
		res.ResourceType, res.ResourceName = rr.ResourceType, rr.ResourceName
		err := checkAlterResource(dup, rr.ResourceType, rr.ResourceName, alterEntries(rr.Configs))
		if err == nil {
			replace := func(map[string]string) (map[string]string, error) { return alterReplacement(rr.Configs), nil }
			err = h.writeConfigs(ctx, rr.ResourceType, rr.ResourceName, replace, r.ValidateOnly)
		}
		res.ErrorCode, res.ErrorMessage = errorCode(err), adminMessage(err)
		resp.Resources = append(resp.Resources, res)
	}
	return resp, nil
}

func alterEntries(cs []kmsg.AlterConfigsRequestResourceConfig) []alterEntry {
	out := make([]alterEntry, len(cs))
	for i, c := range cs {
		out[i] = alterEntry{name: c.Name, value: c.Value}
	}
	return out
}

func alterReplacement(cs []kmsg.AlterConfigsRequestResourceConfig) map[string]string {
	out := make(map[string]string, len(cs))
	for _, c := range cs {
		out[c.Name] = *c.Value
	}
	return out
}

// alterEntry is one config a request changes; a nil value is allowed only
// for IncrementalAlterConfigs' DELETE.
type alterEntry struct {
	name      string
	value     *string
	nullValid bool
}

func resourceKey(typ kmsg.ConfigResourceType, name string) string {
	return fmt.Sprintf("%d/%s", typ, name)
}

// checkAlterResource applies the checks Kafka makes on a resource before
// it looks at the configs themselves: each resource once, each config once
// within it, no null values.
func checkAlterResource(dup map[string]bool, typ kmsg.ConfigResourceType, name string, entries []alterEntry) error {
	if dup[resourceKey(typ, name)] {
		return adminErrorf(kerr.InvalidRequest, "Each resource must appear at most once.")
	}
	if len(adminDuplicates(entries, func(e alterEntry) string { return e.name })) > 0 {
		return adminErrorf(kerr.InvalidRequest, "Error due to duplicate config keys")
	}
	var nulls []string
	for _, e := range entries {
		if e.value == nil && !e.nullValid {
			nulls = append(nulls, e.name)
		}
	}
	if len(nulls) > 0 {
		return adminErrorf(kerr.InvalidRequest, "Null value not supported for : %s", strings.Join(nulls, ", "))
	}
	return nil
}

// writeConfigs changes a resource's configs to next(current), checked, and
// writes them unless validateOnly. Config writes are serialized, so that
// an incremental change reads the result of the one before it.
func (h *Handler) writeConfigs(ctx context.Context, typ kmsg.ConfigResourceType, name string,
	next func(current map[string]string) (map[string]string, error), validateOnly bool) error {
	if typ != kmsg.ConfigResourceTypeTopic && typ != kmsg.ConfigResourceTypeBroker {
		return unsupportedResource(typ)
	}
	select {
	case h.state.configWrites <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.state.configWrites }()
	if typ == kmsg.ConfigResourceTypeTopic {
		return h.writeTopicConfigs(ctx, name, next, validateOnly)
	}
	return h.writeBrokerConfigs(ctx, name, next, validateOnly)
}

func (h *Handler) writeTopicConfigs(ctx context.Context, name string,
	next func(map[string]string) (map[string]string, error), validateOnly bool) error {
	t, ok := h.deps.Cluster.Image().Topic(name)
	if !ok {
		return adminErrorf(kerr.UnknownTopicOrPartition, "topic '%s' does not exist", name)
	}
	configs, err := next(maps.Clone(t.Configs))
	if err == nil {
		err = firstInvalid(configs, config.ValidateTopic)
	}
	if err != nil || validateOnly {
		return err
	}
	return h.deps.Cluster.SetTopicConfigs(ctx, name, configs)
}

func (h *Handler) writeBrokerConfigs(ctx context.Context, name string,
	next func(map[string]string) (map[string]string, error), validateOnly bool) error {
	clusterDefault, err := h.brokerResource(name)
	if err != nil {
		return err
	}
	if !clusterDefault {
		return adminErrorf(kerr.InvalidRequest,
			"per-broker dynamic configs are not supported; alter the cluster-wide default (broker resource \"\") instead")
	}
	configs, err := next(maps.Clone(h.deps.Cluster.Image().BrokerConfigs))
	if err == nil {
		err = validateDynamicBrokerConfigs(configs)
	}
	if err != nil || validateOnly {
		return err
	}
	return h.deps.Cluster.SetBrokerConfigs(ctx, configs)
}

// validateDynamicBrokerConfigs checks dynamic broker configs; a failure is
// INVALID_REQUEST, as Kafka reports it.
func validateDynamicBrokerConfigs(configs map[string]string) error {
	if err := firstInvalid(configs, config.ValidateDynamicBroker); err != nil {
		return adminErrorf(kerr.InvalidRequest, "%v", err)
	}
	return nil
}

// firstInvalid checks configs in name order and returns the first failure,
// as Kafka reports one: a request cannot make the broker build a message
// about every one of a million bad configs.
func firstInvalid(configs map[string]string, validate func(name, value string) error) error {
	for _, name := range slices.Sorted(maps.Keys(configs)) {
		if err := validate(name, configs[name]); err != nil {
			return err
		}
	}
	return nil
}
