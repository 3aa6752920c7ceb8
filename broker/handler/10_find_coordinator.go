package handler

// FindCoordinator, versions 0-6.
//
// On a single node this broker coordinates every group, so the answer for
// a group key (type 0) is this broker's advertised address from the
// metadata image. Transactions (key type 1) are not coordinated yet:
// COORDINATOR_NOT_AVAILABLE. Other key types (share groups, 2, from v6)
// are INVALID_REQUEST, as Kafka answers a type it does not know. v4
// batched the keys (KIP-699); v5 and v6 changed nothing a group
// coordinator answers differently.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.FindCoordinator.Int16(), 0, 6, (*Handler).findCoordinator) }

// Coordinator key types.
const (
	coordinatorGroup       = 0
	coordinatorTransaction = 1
)

func (h *Handler) findCoordinator(_ context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.FindCoordinatorRequest)
	resp := kmsg.NewPtrFindCoordinatorResponse()
	if r.Version >= 4 {
		for _, key := range r.CoordinatorKeys {
			resp.Coordinators = append(resp.Coordinators, h.coordinatorFor(key, r.CoordinatorType))
		}
		return resp, nil
	}
	c := h.coordinatorFor(r.CoordinatorKey, r.CoordinatorType)
	resp.ErrorCode, resp.ErrorMessage = c.ErrorCode, c.ErrorMessage
	resp.NodeID, resp.Host, resp.Port = c.NodeID, c.Host, c.Port
	return resp, nil
}

// coordinatorFor answers one key: this broker, or an error with no node.
func (h *Handler) coordinatorFor(key string, keyType int8) kmsg.FindCoordinatorResponseCoordinator {
	c := kmsg.NewFindCoordinatorResponseCoordinator()
	c.Key, c.NodeID, c.Port = key, -1, -1
	fail := func(code int16, msg string) kmsg.FindCoordinatorResponseCoordinator {
		c.ErrorCode, c.ErrorMessage = code, kmsg.StringPtr(msg)
		return c
	}
	switch keyType {
	case coordinatorGroup:
	case coordinatorTransaction:
		return fail(kerr.CoordinatorNotAvailable.Code, "transactions are not supported yet")
	default:
		return fail(kerr.InvalidRequest.Code, "unknown coordinator key type")
	}
	if !h.deps.Groups.Coordinates(key) {
		return fail(kerr.CoordinatorNotAvailable.Code, "the group coordinator is not available")
	}
	b, ok := h.deps.Cluster.Image().Brokers[h.deps.NodeID]
	if !ok {
		return fail(kerr.CoordinatorNotAvailable.Code, "this broker is not registered yet")
	}
	c.NodeID, c.Host, c.Port = b.ID, b.Host, b.Port
	return c
}
