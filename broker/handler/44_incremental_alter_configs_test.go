package handler

import (
	"context"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type adminIncOp struct {
	name  string
	op    kmsg.IncrementalAlterConfigOp
	value *string
}

func incSet(name, value string) adminIncOp {
	return adminIncOp{name, kmsg.IncrementalAlterConfigOpSet, &value}
}
func incDelete(name string) adminIncOp {
	return adminIncOp{name, kmsg.IncrementalAlterConfigOpDelete, nil}
}
func incAppend(name, value string) adminIncOp {
	return adminIncOp{name, kmsg.IncrementalAlterConfigOpAppend, &value}
}
func incSubtract(name, value string) adminIncOp {
	return adminIncOp{name, kmsg.IncrementalAlterConfigOpSubtract, &value}
}

func adminIncrementalRequest(version int16, validateOnly bool, typ kmsg.ConfigResourceType, name string, ops ...adminIncOp) *kmsg.IncrementalAlterConfigsRequest {
	r := kmsg.NewPtrIncrementalAlterConfigsRequest()
	r.Version, r.ValidateOnly = version, validateOnly
	rr := kmsg.NewIncrementalAlterConfigsRequestResource()
	rr.ResourceType, rr.ResourceName = typ, name
	for _, o := range ops {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Op, c.Value = o.name, o.op, o.value
		rr.Configs = append(rr.Configs, c)
	}
	r.Resources = append(r.Resources, rr)
	return r
}

func TestIncrementalAlterConfigs(t *testing.T) {
	topic := kmsg.ConfigResourceTypeTopic
	tests := []struct {
		name string
		ops  []adminIncOp
		want map[string]string
	}{
		{"set", []adminIncOp{incSet("retention.ms", "1000")}, map[string]string{"retention.ms": "1000", "segment.ms": "60000"}},
		{"delete", []adminIncOp{incDelete("segment.ms")}, map[string]string{}},
		{"delete unset", []adminIncOp{incDelete("retention.ms")}, map[string]string{"segment.ms": "60000"}},
		{"append from default", []adminIncOp{incAppend("cleanup.policy", "compact")}, map[string]string{"segment.ms": "60000", "cleanup.policy": "delete,compact"}},
		{"append present", []adminIncOp{incAppend("cleanup.policy", "delete")}, map[string]string{"segment.ms": "60000", "cleanup.policy": "delete"}},
		{"set and delete", []adminIncOp{incSet("retention.ms", "1"), incDelete("segment.ms")}, map[string]string{"retention.ms": "1"}},
		{"subtract absent", []adminIncOp{incSubtract("cleanup.policy", "compact")}, map[string]string{"segment.ms": "60000", "cleanup.policy": "delete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for v := int16(0); v <= 1; v++ {
				cluster := newAdminCluster(1)
				cluster.addTopic("a", 1, 1, map[string]string{"segment.ms": "60000"})
				h := newAdminHandler(t, cluster, nil)
				resp := adminServe[*kmsg.IncrementalAlterConfigsResponse](t, h, adminIncrementalRequest(v, false, topic, "a", tt.ops...))
				if res := resp.Resources[0]; res.ErrorCode != 0 {
					t.Fatalf("v%d: error %d %s", v, res.ErrorCode, adminStr(res.ErrorMessage))
				}
				if got := cluster.Image().Topics["a"].Configs; !maps.Equal(got, tt.want) {
					t.Errorf("v%d: configs %v, want %v", v, got, tt.want)
				}
			}
		})
	}
}

func TestIncrementalAlterConfigsErrors(t *testing.T) {
	topic, broker := kmsg.ConfigResourceTypeTopic, kmsg.ConfigResourceTypeBroker
	tests := []struct {
		name string
		typ  kmsg.ConfigResourceType
		res  string
		ops  []adminIncOp
		code int16
		msg  string
	}{
		{"append to a non-list", topic, "a", []adminIncOp{incAppend("retention.ms", "1")}, kerr.InvalidConfig.Code, "append is not allowed for config key: retention.ms"},
		{"subtract to empty", topic, "a", []adminIncOp{incSubtract("cleanup.policy", "delete")}, kerr.InvalidConfig.Code, "the list is empty"},
		{"duplicate keys", topic, "a", []adminIncOp{incSet("cleanup.policy", "compact"), incAppend("cleanup.policy", "delete")},
			kerr.InvalidRequest.Code, "duplicate config keys"},
		{"append unknown", topic, "a", []adminIncOp{incAppend("nope", "x")}, kerr.InvalidConfig.Code, "Unknown config name: nope"},
		{"bad value", topic, "a", []adminIncOp{incSet("min.insync.replicas", "0")}, kerr.InvalidConfig.Code, "min.insync.replicas: 0 is below the minimum 1"},
		{"unknown op", topic, "a", []adminIncOp{{"retention.ms", 9, kmsg.StringPtr("1")}}, kerr.InvalidRequest.Code, "Unknown operations type 9"},
		{"null set", topic, "a", []adminIncOp{{"retention.ms", kmsg.IncrementalAlterConfigOpSet, nil}}, kerr.InvalidRequest.Code, "Null value"},
		{"unknown topic", topic, "b", []adminIncOp{incSet("retention.ms", "1")}, kerr.UnknownTopicOrPartition.Code, "does not exist"},
		{"read-only broker config", broker, "", []adminIncOp{incSet("num.partitions", "3")}, kerr.InvalidRequest.Code, "num.partitions cannot be altered dynamically"},
		{"per-broker", broker, "1", []adminIncOp{incSet("log.retention.ms", "1")}, kerr.InvalidRequest.Code, "per-broker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := newAdminCluster(1)
			cluster.addTopic("a", 1, 1, nil)
			h := newAdminHandler(t, cluster, nil)
			resp := adminServe[*kmsg.IncrementalAlterConfigsResponse](t, h, adminIncrementalRequest(1, false, tt.typ, tt.res, tt.ops...))
			res := resp.Resources[0]
			if res.ErrorCode != tt.code || !strings.Contains(adminStr(res.ErrorMessage), tt.msg) {
				t.Errorf("error %d %q, want %d containing %q", res.ErrorCode, adminStr(res.ErrorMessage), tt.code, tt.msg)
			}
			if img := cluster.Image(); len(img.Topics["a"].Configs) != 0 || len(img.BrokerConfigs) != 0 {
				t.Errorf("a failed change was applied")
			}
		})
	}
}

func TestIncrementalAlterBrokerConfigs(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.SetBrokerConfigs(context.Background(), map[string]string{"log.retention.ms": "1000", "message.max.bytes": "2000000"})
	h := newAdminHandler(t, cluster, nil)
	broker := kmsg.ConfigResourceTypeBroker
	req := adminIncrementalRequest(1, true, broker, "", incSet("log.segment.bytes", "1048576"))
	if res := adminServe[*kmsg.IncrementalAlterConfigsResponse](t, h, req).Resources[0]; res.ErrorCode != 0 || len(cluster.Image().BrokerConfigs) != 2 {
		t.Fatalf("validate_only: error %d, configs %v", res.ErrorCode, cluster.Image().BrokerConfigs)
	}
	req = adminIncrementalRequest(1, false, broker, "", incSet("log.segment.bytes", "1048576"), incDelete("log.retention.ms"),
		incAppend("log.cleanup.policy", "compact"))
	if res := adminServe[*kmsg.IncrementalAlterConfigsResponse](t, h, req).Resources[0]; res.ErrorCode != 0 {
		t.Fatalf("error %d %s", res.ErrorCode, adminStr(res.ErrorMessage))
	}
	want := map[string]string{"log.segment.bytes": "1048576", "message.max.bytes": "2000000", "log.cleanup.policy": "delete,compact"}
	if got := cluster.Image().BrokerConfigs; !maps.Equal(got, want) {
		t.Errorf("broker configs %v, want %v", got, want)
	}
}

// TestIncrementalAlterConfigsConcurrent checks that concurrent changes to
// different keys of one topic are all kept.
func TestIncrementalAlterConfigsConcurrent(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.addTopic("a", 1, 1, nil)
	h := newAdminHandler(t, cluster, nil)
	keys := []string{"retention.ms", "segment.ms", "flush.ms", "delete.retention.ms", "min.compaction.lag.ms", "file.delete.delay.ms"}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Go(func() {
			req := adminIncrementalRequest(1, false, kmsg.ConfigResourceTypeTopic, "a", incSet(k, "12345"))
			resp, err := h.Serve(context.Background(), adminWireRequest(req))
			if err != nil || resp.(*kmsg.IncrementalAlterConfigsResponse).Resources[0].ErrorCode != 0 {
				t.Errorf("%s: %v %+v", k, err, resp)
			}
		})
	}
	wg.Wait()
	if got := cluster.Image().Topics["a"].Configs; len(got) != len(keys) {
		t.Errorf("configs %v, want all %d keys", got, len(keys))
	}
}
