package handler

// DescribeCluster, versions 0-2.
//
// The cluster id, the controller id (the broker that accepts admin
// requests) and the registered brokers, from the metadata image. v1 added
// the endpoint type: brokers serve the broker endpoints (1) and answer a
// request for the controllers' (2) with UNSUPPORTED_ENDPOINT_TYPE, as
// Kafka's brokers do. v2 added fenced brokers; Strata fences none, so the
// flag to include them changes nothing. Without ACLs the cluster's
// authorized operations, when asked for, are all of them.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.DescribeCluster.Int16(), 0, 2, (*Handler).describeCluster) }

// endpointTypeBrokers is DescribeCluster's endpoint type for brokers.
const endpointTypeBrokers = 1

func (h *Handler) describeCluster(_ context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.DescribeClusterRequest)
	resp := kmsg.NewPtrDescribeClusterResponse()
	resp.EndpointType = endpointTypeBrokers
	if r.Version >= 1 && r.EndpointType != endpointTypeBrokers {
		resp.ErrorCode = kerr.UnsupportedEndpointType.Code
		resp.ErrorMessage = kmsg.StringPtr("a broker serves only the broker endpoints (endpoint type 1)")
		return resp, nil
	}
	img := h.deps.Cluster.Image()
	resp.ClusterID = img.ClusterID
	resp.ControllerID = img.ControllerID
	for _, id := range img.BrokerIDs() {
		b := img.Brokers[id]
		db := kmsg.NewDescribeClusterResponseBroker()
		db.NodeID, db.Host, db.Port = b.ID, b.Host, b.Port
		if b.Rack != "" {
			db.Rack = kmsg.StringPtr(b.Rack)
		}
		resp.Brokers = append(resp.Brokers, db)
	}
	if r.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = allClusterOperations
	}
	return resp, nil
}
