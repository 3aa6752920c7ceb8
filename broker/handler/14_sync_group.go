package handler

// SyncGroup, versions 0-5.
//
// The leader sends the assignment, which is stored before every member
// gets its part; the other members park until then. v3 added the group
// instance id (static membership), v5 the protocol type and name, which
// must match the group's (INCONSISTENT_GROUP_PROTOCOL otherwise).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.SyncGroup.Int16(), 0, 5, (*Handler).syncGroup) }

func (h *Handler) syncGroup(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	resp, err := h.deps.Groups.SyncGroup(ctx, req.Msg.(*kmsg.SyncGroupRequest))
	if err != nil {
		return nil, err // the connection is closing
	}
	return resp, nil
}
