package handler

// DescribeGroups, versions 0-6.
//
// State, protocol and members, with each member's metadata and assignment
// once the group is stable. v3 asks for the authorized operations: without
// ACLs, every group operation. v4 added instance ids, v6 (KIP-1043)
// GROUP_ID_NOT_FOUND with a message for a group that does not exist (still
// described as Dead before v6).

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.DescribeGroups.Int16(), 0, 6, (*Handler).describeGroups) }

// allGroupOperations is every ACL operation on a group: READ, DELETE and
// DESCRIBE.
const allGroupOperations = 1<<3 | 1<<6 | 1<<8

func (h *Handler) describeGroups(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.DescribeGroupsRequest)
	resp := h.deps.Groups.DescribeGroups(ctx, r)
	if r.IncludeAuthorizedOperations {
		for i := range resp.Groups {
			resp.Groups[i].AuthorizedOperations = allGroupOperations
		}
	}
	return resp, nil
}
