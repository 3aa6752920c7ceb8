package handler

// DescribeConfigs, versions 0-4.
//
// Topic resources list every topic config Strata honours with its
// effective value and source: the topic's override, a dynamic cluster-wide
// broker config, a static broker config or Kafka's default (see package
// broker/config). An illegal topic name is INVALID_TOPIC_EXCEPTION, an
// unknown topic UNKNOWN_TOPIC_OR_PARTITION, each for its resource alone.
//
// Broker resources are named "" for the cluster-wide defaults, which lists
// only the dynamic broker configs set there, or by this broker's id, which
// lists every broker config; a config that needs a restart to change is
// read-only. Another id, or a name that is not a number, is
// INVALID_REQUEST, as in Kafka. Other resource types (broker loggers,
// groups, client metrics) are INVALID_REQUEST.
//
// A resource asked for again in the same request is INVALID_REQUEST for
// the repeats (Kafka answers each again): this bounds the response to the
// distinct resources, where repeating one small resource name could
// otherwise make a request a hundred times its size in response.
//
// v0 reports is_default, v1 added synonyms (include_synonyms) and
// sources, v3 config types and documentation (include_documentation), v4
// flexible encoding. Secrets (passwords) are never returned.

import (
	"context"
	"strconv"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

func init() { register(kmsg.DescribeConfigs.Int16(), 0, 4, (*Handler).describeConfigs) }

// describedConfig is one config a DescribeConfigs response lists.
type describedConfig struct {
	v        *config.Value
	readOnly bool
	synonyms []config.Synonym
}

func (h *Handler) describeConfigs(_ context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.DescribeConfigsRequest)
	img := h.deps.Cluster.Image()
	resp := kmsg.NewPtrDescribeConfigsResponse()
	seen := make(map[string]bool, len(r.Resources))
	for _, rr := range r.Resources {
		res := kmsg.NewDescribeConfigsResponseResource()
		res.ResourceType, res.ResourceName = rr.ResourceType, rr.ResourceName
		key := resourceKey(rr.ResourceType, rr.ResourceName)
		var err error
		if seen[key] {
			err = adminErrorf(kerr.InvalidRequest, "Each resource must appear at most once.")
		} else {
			seen[key] = true
			res.Configs, err = h.describeResource(img, r, rr)
		}
		res.ErrorCode, res.ErrorMessage = errorCode(err), adminMessage(err)
		resp.Resources = append(resp.Resources, res)
	}
	return resp, nil
}

// describeResource describes one resource: the configs it asks for, or
// all of them.
func (h *Handler) describeResource(img *controller.Image, r *kmsg.DescribeConfigsRequest,
	rr kmsg.DescribeConfigsRequestResource) ([]kmsg.DescribeConfigsResponseResourceConfig, error) {
	configs, err := h.resourceConfigs(img, rr.ResourceType, rr.ResourceName)
	if err != nil {
		return nil, err
	}
	wanted := make(map[string]bool, len(rr.ConfigNames))
	for _, name := range rr.ConfigNames {
		wanted[name] = true
	}
	var out []kmsg.DescribeConfigsResponseResourceConfig
	for _, c := range configs {
		if len(wanted) == 0 || wanted[c.v.Def.Name] {
			out = append(out, describeEntry(c, r))
		}
	}
	return out, nil
}

// resourceConfigs lists the configs of one resource.
func (h *Handler) resourceConfigs(img *controller.Image, typ kmsg.ConfigResourceType, name string) ([]describedConfig, error) {
	switch typ {
	case kmsg.ConfigResourceTypeTopic:
		return describeTopic(img, name, h.deps.Config)
	case kmsg.ConfigResourceTypeBroker:
		clusterDefault, err := h.brokerResource(name)
		if err != nil {
			return nil, err
		}
		if clusterDefault {
			return describeClusterDefaults(img), nil
		}
		return describeBroker(h.brokerConfigs(img)), nil
	}
	return nil, unsupportedResource(typ)
}

func describeTopic(img *controller.Image, name string, static map[string]string) ([]describedConfig, error) {
	if err := checkTopicName(name); err != nil {
		return nil, err
	}
	t, ok := img.Topic(name)
	if !ok {
		return nil, adminErrorf(kerr.UnknownTopicOrPartition, "topic '%s' does not exist", name)
	}
	resolved := config.ResolveTopic(config.Layers{Topic: t.Configs, Dynamic: img.BrokerConfigs, Static: static})
	var out []describedConfig
	for _, v := range resolved.All() {
		out = append(out, describedConfig{v: v, synonyms: v.Synonyms})
	}
	return out, nil
}

// describeClusterDefaults lists the dynamic cluster-wide broker configs,
// each with only its dynamic settings as synonyms.
func describeClusterDefaults(img *controller.Image) []describedConfig {
	resolved := config.ResolveBroker(config.Layers{Dynamic: img.BrokerConfigs})
	var out []describedConfig
	for _, v := range resolved.All() {
		if v.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig {
			continue
		}
		c := describedConfig{v: v}
		for _, s := range v.Synonyms {
			if s.Source == kmsg.ConfigSourceDynamicDefaultBrokerConfig {
				c.synonyms = append(c.synonyms, s)
			}
		}
		out = append(out, c)
	}
	return out
}

func describeBroker(resolved *config.Resolved) []describedConfig {
	var out []describedConfig
	for _, v := range resolved.All() {
		out = append(out, describedConfig{v: v, readOnly: !v.Def.Dynamic, synonyms: v.Synonyms})
	}
	return out
}

func describeEntry(c describedConfig, r *kmsg.DescribeConfigsRequest) kmsg.DescribeConfigsResponseResourceConfig {
	e := kmsg.NewDescribeConfigsResponseResourceConfig()
	d := c.v.Def
	e.Name = d.Name
	e.Value = configValue(c.v)
	e.ReadOnly = c.readOnly
	e.Source = c.v.Source
	e.IsDefault = c.v.Source == kmsg.ConfigSourceDefaultConfig
	e.IsSensitive = d.Sensitive()
	e.ConfigType = d.Type
	if r.IncludeSynonyms {
		for _, s := range c.synonyms {
			syn := kmsg.NewDescribeConfigsResponseResourceConfigConfigSynonym()
			syn.Name, syn.Source = s.Name, s.Source
			if !d.Sensitive() {
				syn.Value = kmsg.StringPtr(s.Value)
			}
			e.ConfigSynonyms = append(e.ConfigSynonyms, syn)
		}
	}
	if r.IncludeDocumentation {
		e.Documentation = kmsg.StringPtr(d.Doc)
	}
	return e
}

// brokerResource checks a broker resource's name: "" is the cluster-wide
// defaults, this broker's id is this broker, anything else is
// INVALID_REQUEST, with Kafka's messages.
func (h *Handler) brokerResource(name string) (clusterDefault bool, err error) {
	if name == "" {
		return true, nil
	}
	id, err := strconv.ParseInt(name, 10, 32)
	if err != nil {
		return false, adminErrorf(kerr.InvalidRequest, "Broker id must be an integer, but it is: %s", name)
	}
	if int32(id) != h.deps.NodeID {
		return false, adminErrorf(kerr.InvalidRequest,
			"Unexpected broker id, expected %d or empty string, but received %s", h.deps.NodeID, name)
	}
	return false, nil
}

func unsupportedResource(typ kmsg.ConfigResourceType) error {
	return adminErrorf(kerr.InvalidRequest, "Unsupported resource type: %s (%d)", typ, int8(typ))
}
