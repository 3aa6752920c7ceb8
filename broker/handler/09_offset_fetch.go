package handler

// OffsetFetch, versions 0-9.
//
// -1 for partitions without a committed offset; null topics (v2+) ask for
// every committed partition. v8 fetches several groups at once (KIP-709).
// v7's require_stable waits on nothing until transactions exist, and v9's
// member id and epoch (KIP-848) are not checked for classic groups, as in
// Kafka. v10 replaces topic names with topic ids and is not served.

import (
	"context"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.OffsetFetch.Int16(), 0, 9, (*Handler).offsetFetch) }

func (h *Handler) offsetFetch(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	return h.deps.Groups.OffsetFetch(ctx, req.Msg.(*kmsg.OffsetFetchRequest)), nil
}
