package handler

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type adminNewTopic struct {
	name       string
	partitions int32
	rf         int16
	assignment map[int32][]int32
	configs    map[string]string
}

func adminCreateTopicsRequest(version int16, validateOnly bool, topics ...adminNewTopic) *kmsg.CreateTopicsRequest {
	r := kmsg.NewPtrCreateTopicsRequest()
	r.Version, r.ValidateOnly = version, validateOnly
	for _, ct := range topics {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = ct.name, ct.partitions, ct.rf
		for p, rs := range ct.assignment {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = p, rs
			rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
		}
		for k, v := range ct.configs {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = k, kmsg.StringPtr(v)
			rt.Configs = append(rt.Configs, c)
		}
		r.Topics = append(r.Topics, rt)
	}
	return r
}

func TestCreateTopicsErrors(t *testing.T) {
	tests := []struct {
		name  string
		topic adminNewTopic
		code  int16
		msg   string
	}{
		{"replication factor above brokers", adminNewTopic{name: "t", partitions: 1, rf: 3}, kerr.InvalidReplicationFactor.Code,
			"replication factor: 3 larger than available brokers: 1"},
		{"no partitions", adminNewTopic{name: "t", partitions: 0, rf: 1}, kerr.InvalidPartitions.Code, "partitions"},
		{"illegal name", adminNewTopic{name: "a/b", partitions: 1, rf: 1}, kerr.InvalidTopicException.Code, "illegal"},
		{"exists", adminNewTopic{name: "taken", partitions: 1, rf: 1}, kerr.TopicAlreadyExists.Code, "already exists"},
		{"unknown config", adminNewTopic{name: "t", partitions: 1, rf: 1, configs: map[string]string{"retention.msx": "1"}},
			kerr.InvalidConfig.Code, "retention.msx is not a topic config"},
		{"bad config value", adminNewTopic{name: "t", partitions: 1, rf: 1, configs: map[string]string{"segment.bytes": "10"}},
			kerr.InvalidConfig.Code, "segment.bytes: 10 is below the minimum 14"},
		{"assignment with partitions", adminNewTopic{name: "t", partitions: 1, rf: -1, assignment: map[int32][]int32{0: {1}}},
			kerr.InvalidRequest.Code, "numPartitions was not set to -1"},
		{"assignment with rf", adminNewTopic{name: "t", partitions: -1, rf: 1, assignment: map[int32][]int32{0: {1}}},
			kerr.InvalidRequest.Code, "replication factor was not set to -1"},
		{"assignment gap", adminNewTopic{name: "t", partitions: -1, rf: -1, assignment: map[int32][]int32{0: {1}, 2: {1}}},
			kerr.InvalidReplicaAssignment.Code, "consecutive"},
		{"assignment to unknown broker", adminNewTopic{name: "t", partitions: -1, rf: -1, assignment: map[int32][]int32{0: {9}}},
			kerr.InvalidReplicaAssignment.Code, "unknown broker 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := newAdminCluster(1)
			cluster.addTopic("taken", 1, 1, nil)
			h := newAdminHandler(t, cluster, nil)
			for _, validateOnly := range []bool{false, true} {
				resp := adminServe[*kmsg.CreateTopicsResponse](t, h, adminCreateTopicsRequest(7, validateOnly, tt.topic))
				st := resp.Topics[0]
				if st.ErrorCode != tt.code || st.ErrorMessage == nil || !strings.Contains(*st.ErrorMessage, tt.msg) {
					t.Errorf("validateOnly=%v: error %d %v, want %d containing %q", validateOnly, st.ErrorCode, adminStr(st.ErrorMessage), tt.code, tt.msg)
				}
				if st.NumPartitions != -1 || st.ReplicationFactor != -1 || len(st.Configs) != 0 {
					t.Errorf("failed topic carries its shape: %+v", st)
				}
			}
			if n := len(cluster.Image().Topics); n != 1 {
				t.Errorf("%d topics exist after a failure", n)
			}
		})
	}
}

func adminStr(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

func TestCreateTopicsDefaultsAndResponse(t *testing.T) {
	cluster := newAdminCluster(1, 2, 3)
	cluster.SetBrokerConfigs(context.Background(), map[string]string{"log.retention.ms": "3600000"})
	h := newAdminHandler(t, cluster, map[string]string{"num.partitions": "4", "default.replication.factor": "2"})

	req := adminCreateTopicsRequest(7, false,
		adminNewTopic{name: "defaults", partitions: -1, rf: -1, configs: map[string]string{"cleanup.policy": "compact"}},
		adminNewTopic{name: "manual", partitions: -1, rf: -1, assignment: map[int32][]int32{1: {3, 1}, 0: {2, 3}}},
	)
	resp := adminServe[*kmsg.CreateTopicsResponse](t, h, req)
	for _, st := range resp.Topics {
		if st.ErrorCode != 0 {
			t.Fatalf("%s: error %d %s", st.Topic, st.ErrorCode, adminStr(st.ErrorMessage))
		}
	}
	specs := cluster.createdSpecs()
	if specs[0].Partitions != 4 || specs[0].ReplicationFactor != 2 || specs[0].Configs["cleanup.policy"] != "compact" {
		t.Errorf("defaults spec = %+v", specs[0])
	}
	if a := specs[1].Assignment; len(a) != 2 || a[0][0] != 2 || a[1][0] != 3 {
		t.Errorf("manual assignment = %v", a)
	}
	d := resp.Topics[0]
	if d.NumPartitions != 4 || d.ReplicationFactor != 2 || d.TopicID != cluster.Image().Topics["defaults"].ID {
		t.Errorf("response = %+v", d)
	}
	configs := map[string]kmsg.CreateTopicsResponseTopicConfig{}
	for _, c := range d.Configs {
		configs[c.Name] = c
	}
	for name, want := range map[string]struct {
		value  string
		source kmsg.ConfigSource
	}{
		"cleanup.policy": {"compact", kmsg.ConfigSourceDynamicTopicConfig},
		"retention.ms":   {"3600000", kmsg.ConfigSourceDynamicDefaultBrokerConfig},
		"segment.bytes":  {"1073741824", kmsg.ConfigSourceDefaultConfig},
	} {
		c := configs[name]
		if adminStr(c.Value) != want.value || c.Source != int8(want.source) || c.ReadOnly {
			t.Errorf("%s = %s from %d, want %s from %d", name, adminStr(c.Value), c.Source, want.value, want.source)
		}
	}
	if m := resp.Topics[1]; m.NumPartitions != 2 || m.ReplicationFactor != 2 {
		t.Errorf("manual response = %+v", m)
	}
}

func TestCreateTopicsValidateOnly(t *testing.T) {
	cluster := newAdminCluster(1)
	h := newAdminHandler(t, cluster, nil)
	resp := adminServe[*kmsg.CreateTopicsResponse](t, h, adminCreateTopicsRequest(5, true, adminNewTopic{name: "t", partitions: 3, rf: 1}))
	st := resp.Topics[0]
	if st.ErrorCode != 0 || st.NumPartitions != 3 || st.ReplicationFactor != 1 || len(st.Configs) == 0 {
		t.Errorf("response = %+v", st)
	}
	if len(cluster.Image().Topics) != 0 || len(cluster.createdSpecs()) != 0 {
		t.Error("validate_only created the topic")
	}
}

func TestCreateTopicsDuplicatesAndVersions(t *testing.T) {
	cluster := newAdminCluster(1)
	h := newAdminHandler(t, cluster, nil)
	resp := adminServe[*kmsg.CreateTopicsResponse](t, h, adminCreateTopicsRequest(0, false,
		adminNewTopic{name: "d", partitions: 1, rf: 1},
		adminNewTopic{name: "ok", partitions: 1, rf: 1},
		adminNewTopic{name: "d", partitions: 2, rf: 1},
	))
	codes := []int16{resp.Topics[0].ErrorCode, resp.Topics[1].ErrorCode, resp.Topics[2].ErrorCode}
	if codes[0] != kerr.InvalidRequest.Code || codes[1] != 0 || codes[2] != kerr.InvalidRequest.Code {
		t.Errorf("codes = %v", codes)
	}
	if resp.Topics[0].ErrorMessage != nil {
		t.Error("v0 carries an error message")
	}
	if _, ok := cluster.Image().Topic("d"); ok {
		t.Error("duplicated topic created")
	}
	// Every version decodes and creates.
	for v := int16(1); v <= 7; v++ {
		name := "v" + string(rune('0'+v))
		resp := adminServe[*kmsg.CreateTopicsResponse](t, h, adminCreateTopicsRequest(v, false, adminNewTopic{name: name, partitions: 1, rf: 1}))
		if resp.Topics[0].ErrorCode != 0 {
			t.Errorf("v%d: error %d", v, resp.Topics[0].ErrorCode)
		}
	}
}

func TestCreateTopicsNullConfig(t *testing.T) {
	h := newAdminHandler(t, newAdminCluster(1), nil)
	req := adminCreateTopicsRequest(5, false, adminNewTopic{name: "t", partitions: 1, rf: 1})
	c := kmsg.NewCreateTopicsRequestTopicConfig()
	c.Name = "retention.ms"
	req.Topics[0].Configs = append(req.Topics[0].Configs, c)
	resp := adminServe[*kmsg.CreateTopicsResponse](t, h, req)
	if resp.Topics[0].ErrorCode != kerr.InvalidConfig.Code {
		t.Errorf("error %d, want INVALID_CONFIG", resp.Topics[0].ErrorCode)
	}
}

func TestCreateTopicsTimeout(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.mu.block = true
	h := newAdminHandler(t, cluster, nil)
	req := adminCreateTopicsRequest(4, false, adminNewTopic{name: "t", partitions: 1, rf: 1})
	req.TimeoutMillis = 1
	resp := adminServe[*kmsg.CreateTopicsResponse](t, h, req)
	if code := resp.Topics[0].ErrorCode; code != kerr.RequestTimedOut.Code {
		t.Errorf("error %d, want REQUEST_TIMED_OUT", code)
	}
}

func TestCreateTopicsConfigsBounded(t *testing.T) {
	h := newAdminHandler(t, newAdminCluster(1), nil)
	var topics []adminNewTopic
	for i := range maxTopicsWithConfigs + 1 {
		topics = append(topics, adminNewTopic{name: fmt.Sprintf("t%d", i), partitions: 1, rf: 1})
	}
	resp := adminServe[*kmsg.CreateTopicsResponse](t, h, adminCreateTopicsRequest(7, true, topics...))
	for i, st := range resp.Topics {
		if st.ErrorCode != 0 || (len(st.Configs) > 0) != (i < maxTopicsWithConfigs) {
			t.Fatalf("topic %d: error %d, %d configs", i, st.ErrorCode, len(st.Configs))
		}
	}
}
