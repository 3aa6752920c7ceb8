package group

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// classicGroupType is the type of every group here (KIP-848's name for
// the protocol this coordinator speaks).
const classicGroupType = "classic"

// DescribeGroups describes groups: state, protocol and members, with each
// member's metadata and assignment when the group is stable. A group that
// does not exist is described as Dead, with GROUP_ID_NOT_FOUND from v6.
// AuthorizedOperations is left for the caller to fill in.
func (c *Coordinator) DescribeGroups(_ context.Context, req *kmsg.DescribeGroupsRequest) *kmsg.DescribeGroupsResponse {
	resp := kmsg.NewPtrDescribeGroupsResponse()
	resp.Version = req.Version
	for _, id := range req.Groups {
		resp.Groups = append(resp.Groups, c.describe(id, req.Version))
	}
	return resp
}

func (c *Coordinator) describe(id string, version int16) kmsg.DescribeGroupsResponseGroup {
	dg := kmsg.NewDescribeGroupsResponseGroup()
	dg.Group = id
	if dg.ErrorCode = c.status(id, true); dg.ErrorCode != 0 {
		return dg
	}
	g := c.lockGroup(id, false)
	if g == nil {
		dg.State = stateDead.String()
		if version >= 6 {
			dg.ErrorCode = kerr.GroupIDNotFound.Code
			dg.ErrorMessage = kmsg.StringPtr(fmt.Sprintf("Group %s not found.", id))
		}
		return dg
	}
	defer c.unlock(g)
	stable := g.mu.state == stateStable
	dg.State, dg.ProtocolType = g.mu.state.String(), g.mu.protocolType
	if stable {
		dg.Protocol = g.mu.protocol
	}
	for _, m := range g.sortedMembers() {
		dm := kmsg.NewDescribeGroupsResponseGroupMember()
		dm.MemberID, dm.InstanceID, dm.ClientID, dm.ClientHost = m.id, m.instanceID, m.clientID, m.clientHost
		if stable {
			dm.ProtocolMetadata, dm.MemberAssignment = m.metadata(g.mu.protocol), m.assignment
		}
		dg.Members = append(dg.Members, dm)
	}
	return dg
}

// ListGroups lists the groups, filtered by state (v4+) and type (v5+),
// both compared without regard to case.
func (c *Coordinator) ListGroups(_ context.Context, req *kmsg.ListGroupsRequest) *kmsg.ListGroupsResponse {
	resp := kmsg.NewPtrListGroupsResponse()
	resp.Version = req.Version
	if resp.ErrorCode = c.status("", true); resp.ErrorCode != 0 {
		return resp
	}
	if len(req.TypesFilter) > 0 && !slices.ContainsFunc(req.TypesFilter, func(t string) bool {
		return strings.EqualFold(t, classicGroupType)
	}) {
		return resp
	}
	for _, g := range c.groupList() {
		g.mu.Lock()
		st, protocolType, unused := g.mu.state, g.mu.protocolType, g.unused()
		g.mu.Unlock()
		if st == stateDead || unused {
			continue
		}
		if len(req.StatesFilter) > 0 && !slices.ContainsFunc(req.StatesFilter, func(s string) bool {
			return strings.EqualFold(s, st.String())
		}) {
			continue
		}
		resp.Groups = append(resp.Groups, kmsg.ListGroupsResponseGroup{
			Group: g.id, ProtocolType: protocolType, GroupState: st.String(), GroupType: classicGroupType,
		})
	}
	return resp
}

// DeleteGroups deletes empty groups with their offsets, writing
// tombstones for both; a group with members is refused with
// NON_EMPTY_GROUP, an unknown one with GROUP_ID_NOT_FOUND.
func (c *Coordinator) DeleteGroups(ctx context.Context, req *kmsg.DeleteGroupsRequest) *kmsg.DeleteGroupsResponse {
	resp := kmsg.NewPtrDeleteGroupsResponse()
	resp.Version = req.Version
	for _, id := range req.Groups {
		dg := kmsg.NewDeleteGroupsResponseGroup()
		dg.Group = id
		dg.ErrorCode = c.deleteGroup(ctx, id)
		resp.Groups = append(resp.Groups, dg)
	}
	return resp
}

func (c *Coordinator) deleteGroup(ctx context.Context, id string) int16 {
	if code := c.status(id, true); code != 0 {
		return code
	}
	g := c.lockGroup(id, false)
	if g == nil {
		return kerr.GroupIDNotFound.Code
	}
	defer c.unlock(g)
	if g.mu.state != stateEmpty {
		return kerr.NonEmptyGroup.Code
	}
	var records []batch.Record
	for _, tp := range g.sortedOffsets() {
		records = append(records, offsetRecord(g.id, tp, nil))
	}
	records = append(records, groupTombstone(g.id))
	if err := c.write(ctx, g.partition, records); err != nil {
		c.log.Warn("group: not deleted", slog.String("group", g.id), slog.Any("err", err))
		return appendCode(err, kerr.UnknownServerError.Code)
	}
	clear(g.mu.offsets)
	clear(g.mu.pending)
	g.mu.stored = false
	c.drop(g)
	c.log.Info("group: deleted", slog.String("group", id))
	return 0
}
