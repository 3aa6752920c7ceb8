package handler

// JoinGroup, versions 0-9.
//
// From v0, which librdkafka's classic consumer still sends: without a
// rebalance timeout, v0 uses the session timeout for it. v4 brought
// MEMBER_ID_REQUIRED (KIP-394), v5 static membership (group.instance.id,
// KIP-345), v7 the protocol type in the response, v8 the join reason
// (accepted and unused), v9 SkipAssignment for a static leader that
// rejoins a stable group (KIP-814). The request parks until the rebalance
// completes; the member id and host are recorded as DescribeGroups shows
// them, the host as Kafka prints it ("/" and the address).

import (
	"context"
	"net"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.JoinGroup.Int16(), 0, 9, (*Handler).joinGroup) }

func (h *Handler) joinGroup(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.JoinGroupRequest)
	clientID, clientHost := clientOf(req)
	resp, err := h.deps.Groups.JoinGroup(ctx, clientID, clientHost, r)
	if err != nil {
		return nil, err // the connection is closing
	}
	return resp, nil
}

// clientOf is the client id and host of a request, as Kafka records them
// for group members.
func clientOf(req *wire.Request) (clientID, clientHost string) {
	if req.ClientID != nil {
		clientID = *req.ClientID
	}
	if req.RemoteAddr != nil {
		host := req.RemoteAddr.String()
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		clientHost = "/" + host
	}
	return clientID, clientHost
}
