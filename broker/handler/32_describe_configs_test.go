package handler

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/config"
)

func adminDescribeConfigsRequest(version int16, typ kmsg.ConfigResourceType, name string, configs ...string) *kmsg.DescribeConfigsRequest {
	r := kmsg.NewPtrDescribeConfigsRequest()
	r.Version = version
	rr := kmsg.NewDescribeConfigsRequestResource()
	rr.ResourceType, rr.ResourceName, rr.ConfigNames = typ, name, configs
	r.Resources = append(r.Resources, rr)
	return r
}

func adminConfigsByName(res kmsg.DescribeConfigsResponseResource) map[string]kmsg.DescribeConfigsResponseResourceConfig {
	out := map[string]kmsg.DescribeConfigsResponseResourceConfig{}
	for _, c := range res.Configs {
		out[c.Name] = c
	}
	return out
}

// adminDescribeFixture is a cluster with a topic override, a dynamic broker
// config and a static one.
func adminDescribeFixture(t *testing.T) (*adminCluster, *Handler) {
	cluster := newAdminCluster(1)
	cluster.addTopic("a", 1, 1, map[string]string{"cleanup.policy": "compact"})
	cluster.SetBrokerConfigs(context.Background(), map[string]string{"log.retention.ms": "3600000"})
	return cluster, newAdminHandler(t, cluster, map[string]string{"log.segment.bytes": "1048576", "node.id": "1"})
}

func TestDescribeTopicConfigs(t *testing.T) {
	_, h := adminDescribeFixture(t)
	for v := int16(0); v <= 4; v++ {
		req := adminDescribeConfigsRequest(v, kmsg.ConfigResourceTypeTopic, "a")
		req.IncludeSynonyms, req.IncludeDocumentation = v >= 1, v >= 3
		resp := adminServe[*kmsg.DescribeConfigsResponse](t, h, req)
		res := resp.Resources[0]
		if res.ErrorCode != 0 || len(res.Configs) != len(config.TopicNames()) {
			t.Fatalf("v%d: error %d, %d configs", v, res.ErrorCode, len(res.Configs))
		}
		cs := adminConfigsByName(res)
		for name, want := range map[string]struct {
			value  string
			source kmsg.ConfigSource
		}{
			"cleanup.policy":        {"compact", kmsg.ConfigSourceDynamicTopicConfig},
			"retention.ms":          {"3600000", kmsg.ConfigSourceDynamicDefaultBrokerConfig},
			"segment.bytes":         {"1048576", kmsg.ConfigSourceStaticBrokerConfig},
			"remote.storage.enable": {"true", kmsg.ConfigSourceDefaultConfig},
		} {
			c := cs[name]
			if adminStr(c.Value) != want.value || c.ReadOnly {
				t.Errorf("v%d %s = %s (read-only %v)", v, name, adminStr(c.Value), c.ReadOnly)
			}
			if v >= 1 && c.Source != want.source {
				t.Errorf("v%d %s source %v, want %v", v, name, c.Source, want.source)
			}
			if v == 0 && c.IsDefault != (want.source == kmsg.ConfigSourceDefaultConfig) {
				t.Errorf("v0 %s is_default %v", name, c.IsDefault)
			}
		}
		if v >= 1 {
			syn := cs["retention.ms"].ConfigSynonyms
			if len(syn) != 2 || syn[0].Name != "log.retention.ms" || syn[1].Name != "log.retention.hours" ||
				syn[1].Source != kmsg.ConfigSourceDefaultConfig || adminStr(syn[1].Value) != "168" {
				t.Errorf("v%d retention.ms synonyms = %+v", v, syn)
			}
		}
		if v >= 3 && (cs["segment.ms"].ConfigType != kmsg.ConfigTypeLong || cs["segment.ms"].Documentation == nil) {
			t.Errorf("v%d segment.ms type %v, doc %v", v, cs["segment.ms"].ConfigType, cs["segment.ms"].Documentation)
		}
	}
}

func TestDescribeConfigsFilterAndErrors(t *testing.T) {
	_, h := adminDescribeFixture(t)
	r := adminDescribeConfigsRequest(4, kmsg.ConfigResourceTypeTopic, "a", "retention.ms", "no.such.config")
	for _, rr := range []struct {
		typ  kmsg.ConfigResourceType
		name string
	}{
		{kmsg.ConfigResourceTypeTopic, "missing"},
		{kmsg.ConfigResourceTypeTopic, "bad/name"},
		{kmsg.ConfigResourceTypeBroker, "2"},
		{kmsg.ConfigResourceTypeBroker, "one"},
		{kmsg.ConfigResourceTypeBrokerLogger, "1"},
		{kmsg.ConfigResourceTypeGroupConfig, "g"},
	} {
		res := kmsg.NewDescribeConfigsRequestResource()
		res.ResourceType, res.ResourceName = rr.typ, rr.name
		r.Resources = append(r.Resources, res)
	}
	resp := adminServe[*kmsg.DescribeConfigsResponse](t, h, r)
	if res := resp.Resources[0]; len(res.Configs) != 1 || res.Configs[0].Name != "retention.ms" {
		t.Errorf("filtered configs = %+v", res.Configs)
	}
	want := []int16{kerr.UnknownTopicOrPartition.Code, kerr.InvalidTopicException.Code, kerr.InvalidRequest.Code,
		kerr.InvalidRequest.Code, kerr.InvalidRequest.Code, kerr.InvalidRequest.Code}
	for i, res := range resp.Resources[1:] {
		if res.ErrorCode != want[i] || res.ErrorMessage == nil || len(res.Configs) != 0 {
			t.Errorf("%s: error %d %s, want %d", res.ResourceName, res.ErrorCode, adminStr(res.ErrorMessage), want[i])
		}
	}
}

func TestDescribeBrokerConfigs(t *testing.T) {
	_, h := adminDescribeFixture(t)
	req := adminDescribeConfigsRequest(4, kmsg.ConfigResourceTypeBroker, "1")
	req.IncludeSynonyms = true
	resp := adminServe[*kmsg.DescribeConfigsResponse](t, h, req)
	cs := adminConfigsByName(resp.Resources[0])
	if len(cs) != len(config.BrokerNames()) {
		t.Errorf("%d broker configs, want %d", len(cs), len(config.BrokerNames()))
	}
	for name, want := range map[string]struct {
		value    string
		source   kmsg.ConfigSource
		readOnly bool
	}{
		"log.retention.ms":  {"3600000", kmsg.ConfigSourceDynamicDefaultBrokerConfig, false},
		"log.segment.bytes": {"1048576", kmsg.ConfigSourceStaticBrokerConfig, false},
		"node.id":           {"1", kmsg.ConfigSourceStaticBrokerConfig, true},
		"num.partitions":    {"1", kmsg.ConfigSourceDefaultConfig, true},
	} {
		c := cs[name]
		if adminStr(c.Value) != want.value || c.Source != want.source || c.ReadOnly != want.readOnly {
			t.Errorf("%s = %s from %v read-only %v, want %+v", name, adminStr(c.Value), c.Source, c.ReadOnly, want)
		}
	}
	if c := cs["advertised.listeners"]; c.Value != nil {
		t.Errorf("advertised.listeners = %s, want null", adminStr(c.Value))
	}

	// The cluster-wide defaults list only what is incSet dynamically.
	req = adminDescribeConfigsRequest(4, kmsg.ConfigResourceTypeBroker, "")
	req.IncludeSynonyms = true
	resp = adminServe[*kmsg.DescribeConfigsResponse](t, h, req)
	res := resp.Resources[0]
	if len(res.Configs) != 1 {
		t.Fatalf("cluster defaults = %+v", res.Configs)
	}
	c := res.Configs[0]
	if c.Name != "log.retention.ms" || adminStr(c.Value) != "3600000" || c.Source != kmsg.ConfigSourceDynamicDefaultBrokerConfig ||
		c.ReadOnly || len(c.ConfigSynonyms) != 1 {
		t.Errorf("cluster default = %+v", c)
	}
}

func TestDescribeConfigsRepeatedResource(t *testing.T) {
	_, h := adminDescribeFixture(t)
	r := adminDescribeConfigsRequest(4, kmsg.ConfigResourceTypeTopic, "a")
	r.Resources = append(r.Resources, r.Resources[0], r.Resources[0])
	resp := adminServe[*kmsg.DescribeConfigsResponse](t, h, r)
	if res := resp.Resources[0]; res.ErrorCode != 0 || len(res.Configs) == 0 {
		t.Errorf("first: error %d, %d configs", res.ErrorCode, len(res.Configs))
	}
	for _, res := range resp.Resources[1:] {
		if res.ErrorCode != kerr.InvalidRequest.Code || len(res.Configs) != 0 {
			t.Errorf("repeat: error %d, %d configs", res.ErrorCode, len(res.Configs))
		}
	}
}
