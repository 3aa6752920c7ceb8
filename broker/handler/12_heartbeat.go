package handler

// Heartbeat, versions 0-4.
//
// Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to
// rejoin. v3 added the group instance id (static membership), v4 is the
// flexible encoding.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.Heartbeat.Int16(), 0, 4, (*Handler).heartbeat) }

func (h *Handler) heartbeat(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	return h.deps.Groups.Heartbeat(ctx, req.Msg.(*kmsg.HeartbeatRequest)), nil
}
