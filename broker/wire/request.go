package wire

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Request is one decoded request and where it came from.
type Request struct {
	Key           int16
	Version       int16
	CorrelationID int32
	ClientID      *string // nil when the client sent a null client id

	// Msg is the decoded body, a kmsg request of type Key at Version. Byte
	// fields in it (record batches, group member metadata) alias the frame
	// buffer. A Produce request's frame is reused once its response is
	// written or dropped (a Deferred one once complete), so a handler must
	// not keep its record bytes past that; other frames are never reused.
	Msg kmsg.Request

	// Size is the frame size in bytes, the 4-byte size prefix excluded.
	Size int

	ConnID     uint64   // unique per connection for the life of the Server
	RemoteAddr net.Addr // the client's address; nil outside a Server

	// received is when the frame was read, the start of the request's
	// duration; zero outside a Server.
	received time.Time

	// frame is the pooled frame buffer Msg aliases, returned to the
	// Server's pool once the request is answered; nil when not pooled.
	frame []byte

	// unsupportedVersions marks an ApiVersions request at a version outside
	// the table; the connection answers it without calling the Handler.
	unsupportedVersions bool
}

// Handler serves decoded requests.
type Handler interface {
	// Serve returns the response to write, or nil for a request that gets
	// none (a Produce with acks=0). An error closes the connection.
	//
	// The wire layer sets the response's version to the request's before
	// encoding it, so a handler may build it with kmsg's New functions; a
	// response belongs to its request and must not be shared. The context
	// is cancelled when the connection or the Server closes. Requests on
	// one connection are served one at a time, in order; a Deferred
	// response lets the next ones be served while it completes.
	Serve(ctx context.Context, req *Request) (kmsg.Response, error)
}

// HandlerFunc adapts a function to the Handler interface.
type HandlerFunc func(ctx context.Context, req *Request) (kmsg.Response, error)

// Serve calls f(ctx, req).
func (f HandlerFunc) Serve(ctx context.Context, req *Request) (kmsg.Response, error) {
	return f(ctx, req)
}

// BodyWriter is a response that writes its own body instead of being encoded
// with AppendTo. It is the seam for zero-copy fetch responses: the wire layer
// writes the size prefix and the response header, then calls WriteBody with a
// writer whose ReadFrom sends a large section of a file (an io.SectionReader
// over an *os.File, as io.Copy from a segment's FileRange makes) from the
// page cache to the socket with sendfile(2) on Linux. A BodyWriter that is
// also an io.Closer is closed once the wire layer is done with it, written
// or not.
//
// Key, GetVersion and IsFlexible must describe the body, as for any response.
type BodyWriter interface {
	kmsg.Response
	// BodySize is the exact number of bytes WriteBody writes.
	BodySize() int
	// WriteBody writes the encoded body to w. Writing a different number
	// of bytes than BodySize closes the connection.
	WriteBody(w io.Writer) error
}

// ParseRequest decodes a frame body: the request header, then the body with
// kmsg at the header's version. It accepts any key and version kmsg knows;
// a Server further restricts requests to its Versions. A key or version kmsg
// does not know is ErrUnsupported; anything that does not parse is
// ErrMalformed.
func ParseRequest(frame []byte) (*Request, error) {
	req, body, err := parseHeader(frame)
	if err != nil {
		return nil, err
	}
	if err := req.decode(body); err != nil {
		return nil, err
	}
	return req, nil
}

// decode decodes body into req.Msg, whose version is already set.
func (req *Request) decode(body []byte) error {
	if req.Version < 0 || req.Version > req.Msg.MaxVersion() {
		return fmt.Errorf("%w: %s v%d", ErrUnsupported, kmsg.NameForKey(req.Key), req.Version)
	}
	if err := req.Msg.ReadFrom(body); err != nil {
		return fmt.Errorf("%w: decode %s v%d: %w", ErrMalformed, kmsg.NameForKey(req.Key), req.Version, err)
	}
	return nil
}

// appendResponse appends resp as a complete frame: size prefix, response
// header and body.
func appendResponse(dst []byte, correlationID int32, resp kmsg.Response) ([]byte, error) {
	start := len(dst)
	dst = appendFrameSize(dst)
	dst = appendResponseHeader(dst, correlationID, resp)
	dst = resp.AppendTo(dst)
	if err := setFrameSize(dst[start:], len(dst)-start-frameSizeLen); err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// unsupportedVersionsResponse is the answer to an ApiVersions request at a
// version Strata does not serve: version 0, error UNSUPPORTED_VERSION and
// the full table, from which the client picks a version to retry with
// (KIP-511).
func unsupportedVersionsResponse(v Versions) kmsg.Response {
	resp := kmsg.NewPtrApiVersionsResponse()
	resp.Version = 0
	resp.ErrorCode = kerr.UnsupportedVersion.Code
	resp.ApiKeys = v.ApiKeys()
	return resp
}
