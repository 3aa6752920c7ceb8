package handler

import (
	"math"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication/controller"
)

func TestDescribeCluster(t *testing.T) {
	cluster := newAdminCluster(2, 1)
	img := cluster.next()
	img.Brokers[1] = controller.Broker{ID: 1, Host: "127.0.0.1", Port: 9091, Rack: "r1"}
	cluster.mu.img = img
	h := newAdminHandler(t, cluster, nil)
	for v := int16(0); v <= 2; v++ {
		r := kmsg.NewPtrDescribeClusterRequest()
		r.Version = v
		resp := adminServe[*kmsg.DescribeClusterResponse](t, h, r)
		if resp.ErrorCode != 0 || resp.ClusterID != "strata-test" || resp.ControllerID != 2 || len(resp.Brokers) != 2 {
			t.Fatalf("v%d: %+v", v, resp)
		}
		if b := resp.Brokers[0]; b.NodeID != 1 || b.Port != 9091 || adminStr(b.Rack) != "r1" || resp.Brokers[1].Rack != nil {
			t.Errorf("v%d brokers = %+v", v, resp.Brokers)
		}
		if resp.ClusterAuthorizedOperations != math.MinInt32 {
			t.Errorf("v%d operations %d, not asked for", v, resp.ClusterAuthorizedOperations)
		}
		r.IncludeClusterAuthorizedOperations = true
		if resp := adminServe[*kmsg.DescribeClusterResponse](t, h, r); resp.ClusterAuthorizedOperations != allClusterOperations {
			t.Errorf("v%d operations %b", v, resp.ClusterAuthorizedOperations)
		}
	}
	r := kmsg.NewPtrDescribeClusterRequest()
	r.Version, r.EndpointType = 1, 2
	resp := adminServe[*kmsg.DescribeClusterResponse](t, h, r)
	if resp.ErrorCode != kerr.UnsupportedEndpointType.Code || resp.ErrorMessage == nil {
		t.Errorf("controllers endpoint: error %d", resp.ErrorCode)
	}
}
