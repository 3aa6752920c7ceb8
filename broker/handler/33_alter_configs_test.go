package handler

import (
	"maps"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type adminAlterResource struct {
	typ     kmsg.ConfigResourceType
	name    string
	configs [][2]*string // name, value
}

func adminKV(name, value string) [2]*string { return [2]*string{&name, &value} }

func adminAlterConfigsRequest(version int16, validateOnly bool, resources ...adminAlterResource) *kmsg.AlterConfigsRequest {
	r := kmsg.NewPtrAlterConfigsRequest()
	r.Version, r.ValidateOnly = version, validateOnly
	for _, ar := range resources {
		rr := kmsg.NewAlterConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = ar.typ, ar.name
		for _, c := range ar.configs {
			rc := kmsg.NewAlterConfigsRequestResourceConfig()
			rc.Name, rc.Value = *c[0], c[1]
			rr.Configs = append(rr.Configs, rc)
		}
		r.Resources = append(r.Resources, rr)
	}
	return r
}

func TestAlterConfigsReplaces(t *testing.T) {
	for v := int16(0); v <= 2; v++ {
		cluster := newAdminCluster(1)
		cluster.addTopic("a", 1, 1, map[string]string{"cleanup.policy": "compact", "retention.ms": "1000"})
		h := newAdminHandler(t, cluster, nil)
		req := adminAlterConfigsRequest(v, false,
			adminAlterResource{kmsg.ConfigResourceTypeTopic, "a", [][2]*string{adminKV("retention.ms", "-1"), adminKV("segment.bytes", "1048576")}},
			adminAlterResource{kmsg.ConfigResourceTypeBroker, "", [][2]*string{adminKV("log.retention.ms", "86400000")}},
		)
		resp := adminServe[*kmsg.AlterConfigsResponse](t, h, req)
		for _, res := range resp.Resources {
			if res.ErrorCode != 0 {
				t.Fatalf("v%d %s: error %d %s", v, res.ResourceName, res.ErrorCode, adminStr(res.ErrorMessage))
			}
		}
		img := cluster.Image()
		if want := map[string]string{"retention.ms": "-1", "segment.bytes": "1048576"}; !maps.Equal(img.Topics["a"].Configs, want) {
			t.Errorf("v%d topic configs = %v, want %v", v, img.Topics["a"].Configs, want)
		}
		if want := map[string]string{"log.retention.ms": "86400000"}; !maps.Equal(img.BrokerConfigs, want) {
			t.Errorf("v%d broker configs = %v", v, img.BrokerConfigs)
		}
	}
}

func TestAlterConfigsErrors(t *testing.T) {
	topic, broker := kmsg.ConfigResourceTypeTopic, kmsg.ConfigResourceTypeBroker
	null := [2]*string{kmsg.StringPtr("retention.ms"), nil}
	tests := []struct {
		name string
		res  adminAlterResource
		code int16
		msg  string
	}{
		{"unknown topic", adminAlterResource{topic, "nope", [][2]*string{adminKV("retention.ms", "1")}}, kerr.UnknownTopicOrPartition.Code, "does not exist"},
		{"unknown topic config", adminAlterResource{topic, "a", [][2]*string{adminKV("retention.msx", "1")}}, kerr.InvalidConfig.Code, "retention.msx"},
		{"bad topic value", adminAlterResource{topic, "a", [][2]*string{adminKV("cleanup.policy", "shred")}}, kerr.InvalidConfig.Code, `"shred" is not one of`},
		{"null value", adminAlterResource{topic, "a", [][2]*string{null}}, kerr.InvalidRequest.Code, "Null value not supported for : retention.ms"},
		{"duplicate key", adminAlterResource{topic, "a", [][2]*string{adminKV("retention.ms", "1"), adminKV("retention.ms", "2")}}, kerr.InvalidRequest.Code, "duplicate config keys"},
		{"read-only broker config", adminAlterResource{broker, "", [][2]*string{adminKV("log.dirs", "/tmp")}}, kerr.InvalidRequest.Code, "log.dirs cannot be altered dynamically"},
		{"bad broker value", adminAlterResource{broker, "", [][2]*string{adminKV("log.segment.bytes", "1")}}, kerr.InvalidRequest.Code, "log.segment.bytes: 1 is below the minimum 14"},
		{"unknown broker config", adminAlterResource{broker, "", [][2]*string{adminKV("no.such", "1")}}, kerr.InvalidRequest.Code, "no.such is not a broker config"},
		{"per-broker configs", adminAlterResource{broker, "1", [][2]*string{adminKV("log.retention.ms", "1")}}, kerr.InvalidRequest.Code, "per-broker dynamic configs are not supported"},
		{"another broker", adminAlterResource{broker, "2", [][2]*string{adminKV("log.retention.ms", "1")}}, kerr.InvalidRequest.Code, "Unexpected broker id"},
		{"broker loggers", adminAlterResource{kmsg.ConfigResourceTypeBrokerLogger, "1", [][2]*string{adminKV("root", "DEBUG")}}, kerr.InvalidRequest.Code, "Unsupported resource type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, validateOnly := range []bool{true, false} {
				cluster := newAdminCluster(1)
				cluster.addTopic("a", 1, 1, map[string]string{"retention.ms": "5"})
				h := newAdminHandler(t, cluster, nil)
				resp := adminServe[*kmsg.AlterConfigsResponse](t, h, adminAlterConfigsRequest(1, validateOnly, tt.res))
				res := resp.Resources[0]
				if res.ErrorCode != tt.code || !strings.Contains(adminStr(res.ErrorMessage), tt.msg) {
					t.Errorf("validateOnly=%v: error %d %q, want %d containing %q", validateOnly, res.ErrorCode, adminStr(res.ErrorMessage), tt.code, tt.msg)
				}
				img := cluster.Image()
				if img.Topics["a"].Configs["retention.ms"] != "5" || len(img.BrokerConfigs) != 0 {
					t.Errorf("a failed change was applied: %v %v", img.Topics["a"].Configs, img.BrokerConfigs)
				}
			}
		})
	}
}

func TestAlterConfigsValidateOnlyAndDuplicates(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.addTopic("a", 1, 1, nil)
	h := newAdminHandler(t, cluster, nil)
	setA := adminAlterResource{kmsg.ConfigResourceTypeTopic, "a", [][2]*string{adminKV("retention.ms", "1")}}
	resp := adminServe[*kmsg.AlterConfigsResponse](t, h, adminAlterConfigsRequest(2, true, setA))
	if resp.Resources[0].ErrorCode != 0 || len(cluster.Image().Topics["a"].Configs) != 0 {
		t.Errorf("validate_only: error %d, configs %v", resp.Resources[0].ErrorCode, cluster.Image().Topics["a"].Configs)
	}
	resp = adminServe[*kmsg.AlterConfigsResponse](t, h, adminAlterConfigsRequest(2, false, setA, setA))
	for _, res := range resp.Resources {
		if res.ErrorCode != kerr.InvalidRequest.Code {
			t.Errorf("duplicate resource: error %d", res.ErrorCode)
		}
	}
}
