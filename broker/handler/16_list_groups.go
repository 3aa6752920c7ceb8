package handler

// ListGroups, versions 0-5.
//
// Every group this broker coordinates. v4 added the states filter
// (KIP-518) and v5 the types filter (KIP-848): every group here is of type
// "classic". Both filters compare without regard to case.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.ListGroups.Int16(), 0, 5, (*Handler).listGroups) }

func (h *Handler) listGroups(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	return h.deps.Groups.ListGroups(ctx, req.Msg.(*kmsg.ListGroupsRequest)), nil
}
