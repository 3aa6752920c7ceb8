package handler

import (
	"math"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication/controller"
)

func adminMetadataRequest(version int16, topics ...string) *kmsg.MetadataRequest {
	r := kmsg.NewPtrMetadataRequest()
	r.Version = version
	if topics != nil {
		r.Topics = []kmsg.MetadataRequestTopic{}
	}
	for _, name := range topics {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(name)
		r.Topics = append(r.Topics, rt)
	}
	return r
}

func adminTopicNames(resp *kmsg.MetadataResponse) []string {
	var names []string
	for _, t := range resp.Topics {
		if t.Topic != nil {
			names = append(names, *t.Topic)
		}
	}
	slices.Sort(names)
	return names
}

func adminFindTopic(t *testing.T, resp *kmsg.MetadataResponse, name string) kmsg.MetadataResponseTopic {
	t.Helper()
	for _, mt := range resp.Topics {
		if mt.Topic != nil && *mt.Topic == name {
			return mt
		}
	}
	t.Fatalf("topic %s not in response %+v", name, resp.Topics)
	return kmsg.MetadataResponseTopic{}
}

func TestMetadataEveryVersion(t *testing.T) {
	cluster := newAdminCluster(1, 2)
	orders := cluster.addTopic("orders", 2, 2, nil)
	cluster.addTopic("__consumer_offsets", 1, 1, nil)
	h := newAdminHandler(t, cluster, nil)

	for v := int16(0); v <= 13; v++ {
		var req *kmsg.MetadataRequest
		if v == 0 {
			req = adminMetadataRequest(v, []string{}...) // v0: an empty list is every topic
		} else {
			req = adminMetadataRequest(v) // null: every topic
		}
		resp := adminServe[*kmsg.MetadataResponse](t, h, req)
		if len(resp.Brokers) != 2 || resp.Brokers[0].NodeID != 1 || resp.Brokers[1].Port != 9092 {
			t.Errorf("v%d brokers = %+v", v, resp.Brokers)
		}
		if got := adminTopicNames(resp); !slices.Equal(got, []string{"__consumer_offsets", "orders"}) {
			t.Errorf("v%d topics = %v", v, got)
		}
		if v >= 1 && resp.ControllerID != 1 {
			t.Errorf("v%d controller = %d", v, resp.ControllerID)
		}
		if v >= 2 && (resp.ClusterID == nil || *resp.ClusterID != "strata-test") {
			t.Errorf("v%d cluster id = %v", v, resp.ClusterID)
		}
		mt := adminFindTopic(t, resp, "orders")
		p := mt.Partitions[1]
		if mt.ErrorCode != 0 || len(mt.Partitions) != 2 || p.Partition != 1 || p.Leader != 2 ||
			!slices.Equal(p.Replicas, []int32{2, 1}) || !slices.Equal(p.ISR, []int32{2, 1}) {
			t.Errorf("v%d orders = %+v", v, mt)
		}
		if v >= 7 && p.LeaderEpoch != 3 {
			t.Errorf("v%d leader epoch = %d", v, p.LeaderEpoch)
		}
		if v >= 10 && mt.TopicID != orders.ID {
			t.Errorf("v%d topic id = %v", v, mt.TopicID)
		}
		if v >= 1 && !adminFindTopic(t, resp, "__consumer_offsets").IsInternal {
			t.Errorf("v%d: __consumer_offsets is not internal", v)
		}
	}
}

func TestMetadataRequestedTopics(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.addTopic("a", 1, 1, nil)
	cluster.addTopic("b", 1, 1, nil)
	h := newAdminHandler(t, cluster, map[string]string{"auto.create.topics.enable": "false"})

	resp := adminServe[*kmsg.MetadataResponse](t, h, adminMetadataRequest(12, "b", "b", "missing", "bad name!"))
	if got := adminTopicNames(resp); !slices.Equal(got, []string{"b", "bad name!", "missing"}) {
		t.Fatalf("topics = %v, want each asked-for topic once", got)
	}
	for name, want := range map[string]int16{
		"b":         0,
		"missing":   kerr.UnknownTopicOrPartition.Code,
		"bad name!": kerr.InvalidTopicException.Code,
	} {
		if got := adminFindTopic(t, resp, name).ErrorCode; got != want {
			t.Errorf("%s: error %d, want %d", name, got, want)
		}
	}
	if resp := adminServe[*kmsg.MetadataResponse](t, h, adminMetadataRequest(1, []string{}...)); len(resp.Topics) != 0 {
		t.Errorf("v1 empty list: %d topics, want none", len(resp.Topics))
	}
}

func TestMetadataAutoCreate(t *testing.T) {
	tests := []struct {
		name    string
		static  map[string]string
		dynamic map[string]string
		version int16
		allow   bool
		topic   string
		want    int16
		created bool
	}{
		{name: "allowed", version: 12, allow: true, topic: "new", want: kerr.LeaderNotAvailable.Code, created: true},
		{name: "always allowed before v4", version: 3, topic: "new", want: kerr.LeaderNotAvailable.Code, created: true},
		{name: "client forbids", version: 4, allow: false, topic: "new", want: kerr.UnknownTopicOrPartition.Code},
		{name: "broker forbids", static: map[string]string{"auto.create.topics.enable": "false"}, version: 12, allow: true,
			topic: "new", want: kerr.UnknownTopicOrPartition.Code},
		{name: "illegal name", version: 12, allow: true, topic: "..", want: kerr.InvalidTopicException.Code},
		{name: "internal name", version: 12, allow: true, topic: "__consumer_offsets", want: kerr.UnknownTopicOrPartition.Code},
		{name: "replication factor too high", static: map[string]string{"default.replication.factor": "3"}, version: 12, allow: true,
			topic: "new", want: kerr.InvalidReplicationFactor.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := newAdminCluster(1)
			h := newAdminHandler(t, cluster, tt.static)
			req := adminMetadataRequest(tt.version, tt.topic)
			req.AllowAutoTopicCreation = tt.allow
			resp := adminServe[*kmsg.MetadataResponse](t, h, req)
			if got := adminFindTopic(t, resp, tt.topic).ErrorCode; got != tt.want {
				t.Errorf("error %d, want %d", got, tt.want)
			}
			if _, ok := cluster.Image().Topic(tt.topic); ok != tt.created {
				t.Errorf("created = %v, want %v", ok, tt.created)
			}
		})
	}
}

func TestMetadataAutoCreateUsesBrokerDefaults(t *testing.T) {
	cluster := newAdminCluster(1, 2, 3)
	h := newAdminHandler(t, cluster, map[string]string{"num.partitions": "6", "default.replication.factor": "2"})
	req := adminMetadataRequest(9, "events")
	req.AllowAutoTopicCreation = true
	adminServe[*kmsg.MetadataResponse](t, h, req)
	specs := cluster.createdSpecs()
	if len(specs) != 1 || specs[0].Name != "events" || specs[0].Partitions != 6 || specs[0].ReplicationFactor != 2 {
		t.Fatalf("created %+v", specs)
	}
	// Once it exists, the topic is served.
	resp := adminServe[*kmsg.MetadataResponse](t, h, req)
	if mt := adminFindTopic(t, resp, "events"); mt.ErrorCode != 0 || len(mt.Partitions) != 6 {
		t.Errorf("second request: %+v", mt)
	}
}

func TestMetadataTopicIDs(t *testing.T) {
	cluster := newAdminCluster(1)
	h := newAdminHandler(t, cluster, nil)
	byID := func(version int16) *kmsg.MetadataRequest {
		r := adminMetadataRequest(version)
		rt := kmsg.NewMetadataRequestTopic()
		rt.TopicID = [16]byte{1, 2, 3}
		r.Topics = []kmsg.MetadataRequestTopic{rt}
		return r
	}
	for version, want := range map[int16]int16{
		10: kerr.InvalidRequest.Code, // ids only from v12
		11: kerr.InvalidRequest.Code,
		12: kerr.UnknownTopicID.Code,
		13: kerr.UnknownTopicID.Code,
	} {
		resp := adminServe[*kmsg.MetadataResponse](t, h, byID(version))
		if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != want || resp.Topics[0].TopicID != [16]byte{1, 2, 3} {
			t.Errorf("v%d: %+v, want error %d", version, resp.Topics, want)
		}
	}
}

func TestMetadataAuthorizedOperations(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.addTopic("a", 1, 1, nil)
	h := newAdminHandler(t, cluster, nil)

	req := adminMetadataRequest(8)
	resp := adminServe[*kmsg.MetadataResponse](t, h, req)
	if resp.AuthorizedOperations != math.MinInt32 || resp.Topics[0].AuthorizedOperations != math.MinInt32 {
		t.Errorf("not asked for: cluster %d, topic %d", resp.AuthorizedOperations, resp.Topics[0].AuthorizedOperations)
	}
	req.IncludeClusterAuthorizedOperations, req.IncludeTopicAuthorizedOperations = true, true
	resp = adminServe[*kmsg.MetadataResponse](t, h, req)
	if resp.AuthorizedOperations != allClusterOperations || resp.Topics[0].AuthorizedOperations != allTopicOperations {
		t.Errorf("asked for: cluster %b, topic %b", resp.AuthorizedOperations, resp.Topics[0].AuthorizedOperations)
	}
	const describe = 1 << 8
	if allTopicOperations&describe == 0 || allClusterOperations&describe == 0 {
		t.Error("DESCRIBE missing")
	}
}

func TestMetadataOfflineLeader(t *testing.T) {
	cluster := newAdminCluster(1)
	cluster.addTopic("a", 1, 1, nil)
	img := cluster.next()
	a := *img.Topics["a"]
	a.Partitions = []controller.Partition{{Index: 0, Replicas: []int32{1, 7}, ISR: []int32{1}, Leader: 7}}
	img.Topics["a"] = &a
	cluster.mu.img = img
	h := newAdminHandler(t, cluster, nil)

	resp := adminServe[*kmsg.MetadataResponse](t, h, adminMetadataRequest(12, "a"))
	p := adminFindTopic(t, resp, "a").Partitions[0]
	if p.ErrorCode != kerr.LeaderNotAvailable.Code || p.Leader != -1 || !slices.Equal(p.OfflineReplicas, []int32{7}) {
		t.Errorf("partition = %+v", p)
	}
}
