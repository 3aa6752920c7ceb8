package wire

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kerr"
)

// Errors the package returns. Test with errors.Is; returned errors wrap one
// of these with the detail.
var (
	// ErrMalformed is the class of every input that does not parse: a
	// negative frame size, a truncated or inconsistent header, a body kmsg
	// cannot decode.
	ErrMalformed = errors.New("wire: malformed request")

	// ErrFrameTooLarge is a frame whose declared size exceeds the cap
	// (socket.request.max.bytes). The frame is refused before any of it is
	// read or allocated.
	ErrFrameTooLarge = errors.New("wire: frame too large")

	// ErrUnsupported is a request for an API key or version that Strata
	// does not serve. Kafka closes the connection on such a request, and so
	// does Strata, except for ApiVersions (see the package documentation).
	ErrUnsupported = errors.New("wire: unsupported api key or version")

	// ErrConfig is an invalid Config or versions table.
	ErrConfig = errors.New("wire: invalid config")

	// ErrServerClosed is returned by Serve once Close has been called.
	ErrServerClosed = errors.New("wire: server closed")
)

// ErrorCode maps an error to the Kafka error code a response carries for it:
// nil to 0 (NONE), an error wrapping a *kerr.Error to that error's code,
// context.DeadlineExceeded to REQUEST_TIMED_OUT, and anything else to
// UNKNOWN_SERVER_ERROR. An error can carry its code by wrapping the kerr
// error:
//
//	fmt.Errorf("fetch: partition %d moved: %w", p, kerr.NotLeaderForPartition)
func ErrorCode(err error) int16 {
	if err == nil {
		return 0
	}
	if ke, ok := errors.AsType[*kerr.Error](err); ok {
		return ke.Code
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return kerr.RequestTimedOut.Code
	}
	return kerr.UnknownServerError.Code
}
