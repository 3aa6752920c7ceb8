package handler

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func adminCreatePartitionsRequest(version int16, validateOnly bool, topic string, count int32, assignment ...[]int32) *kmsg.CreatePartitionsRequest {
	r := kmsg.NewPtrCreatePartitionsRequest()
	r.Version, r.ValidateOnly = version, validateOnly
	rt := kmsg.NewCreatePartitionsRequestTopic()
	rt.Topic, rt.Count = topic, count
	for _, rs := range assignment {
		a := kmsg.NewCreatePartitionsRequestTopicAssignment()
		a.Replicas = rs
		rt.Assignment = append(rt.Assignment, a)
	}
	r.Topics = append(r.Topics, rt)
	return r
}

func TestCreatePartitions(t *testing.T) {
	for v := int16(0); v <= 3; v++ {
		cluster := newAdminCluster(1, 2)
		cluster.addTopic("a", 1, 1, nil)
		h := newAdminHandler(t, cluster, nil)

		resp := adminServe[*kmsg.CreatePartitionsResponse](t, h, adminCreatePartitionsRequest(v, true, "a", 3))
		if resp.Topics[0].ErrorCode != 0 || len(cluster.Image().Topics["a"].Partitions) != 1 {
			t.Fatalf("v%d validate_only: error %d, partitions %d", v, resp.Topics[0].ErrorCode, len(cluster.Image().Topics["a"].Partitions))
		}
		resp = adminServe[*kmsg.CreatePartitionsResponse](t, h, adminCreatePartitionsRequest(v, false, "a", 3, []int32{2}, []int32{1}))
		if resp.Topics[0].ErrorCode != 0 {
			t.Fatalf("v%d: error %d %s", v, resp.Topics[0].ErrorCode, adminStr(resp.Topics[0].ErrorMessage))
		}
		ps := cluster.Image().Topics["a"].Partitions
		if len(ps) != 3 || !slices.Equal(ps[1].Replicas, []int32{2}) || !slices.Equal(ps[2].Replicas, []int32{1}) {
			t.Errorf("v%d partitions = %+v", v, ps)
		}
	}
}

func TestCreatePartitionsErrors(t *testing.T) {
	tests := []struct {
		name string
		req  *kmsg.CreatePartitionsRequest
		want int16
	}{
		{"not an increase", adminCreatePartitionsRequest(3, false, "a", 2), kerr.InvalidPartitions.Code},
		{"unknown topic", adminCreatePartitionsRequest(3, false, "nope", 5), kerr.UnknownTopicOrPartition.Code},
		{"assignment count", adminCreatePartitionsRequest(3, false, "a", 4, []int32{1}), kerr.InvalidReplicaAssignment.Code},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cluster := newAdminCluster(1)
			cluster.addTopic("a", 2, 1, nil)
			h := newAdminHandler(t, cluster, nil)
			resp := adminServe[*kmsg.CreatePartitionsResponse](t, h, tt.req)
			if got := resp.Topics[0]; got.ErrorCode != tt.want || got.ErrorMessage == nil {
				t.Errorf("error %d %s, want %d", got.ErrorCode, adminStr(got.ErrorMessage), tt.want)
			}
		})
	}
	t.Run("duplicate topic", func(t *testing.T) {
		cluster := newAdminCluster(1)
		cluster.addTopic("a", 1, 1, nil)
		h := newAdminHandler(t, cluster, nil)
		req := adminCreatePartitionsRequest(1, false, "a", 2)
		req.Topics = append(req.Topics, req.Topics[0])
		resp := adminServe[*kmsg.CreatePartitionsResponse](t, h, req)
		for _, ct := range resp.Topics {
			if ct.ErrorCode != kerr.InvalidRequest.Code {
				t.Errorf("error %d, want INVALID_REQUEST", ct.ErrorCode)
			}
		}
		if n := len(cluster.Image().Topics["a"].Partitions); n != 1 {
			t.Errorf("%d partitions after a refused request", n)
		}
	})
}
