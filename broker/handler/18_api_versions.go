package handler

// ApiVersions, versions 0-4.
//
// The wire layer answers a version newer than 4 itself, with a v0 response
// carrying UNSUPPORTED_VERSION and the table (KIP-511); this handler
// serves the versions it knows. Version 3 added the client software name
// and version, which are validated as Kafka does.

import (
	"context"
	"regexp"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

func init() { register(kmsg.ApiVersions.Int16(), 0, 4, (*Handler).apiVersions) }

// clientSoftware is Kafka's rule for client software names and versions.
var clientSoftware = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$`)

func (h *Handler) apiVersions(_ context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.ApiVersionsRequest)
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.ApiKeys = h.versions.ApiKeys()
	if r.Version >= 3 && (!clientSoftware.MatchString(r.ClientSoftwareName) || !clientSoftware.MatchString(r.ClientSoftwareVersion)) {
		resp.ErrorCode = kerr.InvalidRequest.Code
	}
	return resp, nil
}
