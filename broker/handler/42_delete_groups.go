package handler

// DeleteGroups, versions 0-3.
//
// Deletes empty groups and their offsets (tombstones in
// __consumer_offsets); NON_EMPTY_GROUP for a group with members,
// GROUP_ID_NOT_FOUND for one that does not exist. v3 added an error
// message, left null.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.DeleteGroups.Int16(), 0, 3, (*Handler).deleteGroups) }

func (h *Handler) deleteGroups(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	return h.deps.Groups.DeleteGroups(ctx, req.Msg.(*kmsg.DeleteGroupsRequest)), nil
}
