package handler

// LeaveGroup, versions 0-5.
//
// v0-v2 remove one member by id and carry its error in the response; v3
// (KIP-345) removes a batch, where a static member may be named by its
// instance id alone, with an error per member. v5 added a reason per
// member (accepted and unused).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.LeaveGroup.Int16(), 0, 5, (*Handler).leaveGroup) }

func (h *Handler) leaveGroup(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	return h.deps.Groups.LeaveGroup(ctx, req.Msg.(*kmsg.LeaveGroupRequest)), nil
}
