package wire

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// API keys the wire layer treats specially.
const (
	apiVersionsKey        = 18 // response header is always v0 (KIP-511)
	produceKey            = 0  // its frames are pooled (framePool)
	controlledShutdownKey = 7  // v0 uses request header v0, without a client id
)

// minHeaderLen is api key, api version and correlation id.
const minHeaderLen = 8

// maxUvarintLen is the longest unsigned varint Kafka writes (32 bits).
const maxUvarintLen = 5

// parseHeader parses the request header at the start of a frame body. It
// returns the Request it describes, with Msg an empty kmsg request of the
// header's key set to the header's version, and the bytes after the header.
//
// Header v1 is api key, api version, correlation id and a nullable int16
// client id; v2 adds a tagged-field section, and is used by the versions
// kmsg reports as flexible. ControlledShutdown v0 uses v0, without the client
// id. An api key kmsg does not know is ErrUnsupported: its header version
// cannot be known.
func parseHeader(frame []byte) (*Request, []byte, error) {
	if len(frame) < minHeaderLen {
		return nil, nil, fmt.Errorf("%w: %d-byte request header", ErrMalformed, len(frame))
	}
	req := &Request{
		Key:           int16(binary.BigEndian.Uint16(frame[0:])),
		Version:       int16(binary.BigEndian.Uint16(frame[2:])),
		CorrelationID: int32(binary.BigEndian.Uint32(frame[4:])),
		Size:          len(frame),
	}
	req.Msg = kmsg.RequestForKey(req.Key)
	if req.Msg == nil {
		return nil, nil, fmt.Errorf("%w: api key %d", ErrUnsupported, req.Key)
	}
	req.Msg.SetVersion(req.Version)
	rest := frame[minHeaderLen:]
	if req.Key == controlledShutdownKey && req.Version == 0 {
		return req, rest, nil
	}
	var err error
	if req.ClientID, rest, err = readNullableString(rest); err != nil {
		return nil, nil, fmt.Errorf("read client id: %w", err)
	}
	if req.Msg.IsFlexible() {
		if rest, err = skipTags(rest); err != nil {
			return nil, nil, fmt.Errorf("read header tags: %w", err)
		}
	}
	return req, rest, nil
}

// readNullableString reads an int16-length string; length -1 is null.
func readNullableString(b []byte) (*string, []byte, error) {
	if len(b) < 2 {
		return nil, nil, fmt.Errorf("%w: truncated string length", ErrMalformed)
	}
	n := int(int16(binary.BigEndian.Uint16(b)))
	b = b[2:]
	switch {
	case n == -1:
		return nil, b, nil
	case n < 0:
		return nil, nil, fmt.Errorf("%w: string length %d", ErrMalformed, n)
	case n > len(b):
		return nil, nil, fmt.Errorf("%w: %d-byte string in %d bytes", ErrMalformed, n, len(b))
	}
	s := string(b[:n])
	return &s, b[n:], nil
}

// skipTags skips a tagged-field section: an unsigned varint count, then per
// field an unsigned varint tag, an unsigned varint size and that many bytes.
// Every count and size is checked against the bytes that remain, so a
// hostile section fails in time proportional to its length.
func skipTags(b []byte) ([]byte, error) {
	count, b, err := readUvarint(b)
	if err != nil {
		return nil, err
	}
	// A field is at least two bytes: its tag and its size.
	if count > uint32(len(b)/2) {
		return nil, fmt.Errorf("%w: %d tagged fields in %d bytes", ErrMalformed, count, len(b))
	}
	for range count {
		if _, b, err = readUvarint(b); err != nil {
			return nil, err
		}
		var size uint32
		if size, b, err = readUvarint(b); err != nil {
			return nil, err
		}
		if uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("%w: %d-byte tagged field in %d bytes", ErrMalformed, size, len(b))
		}
		b = b[size:]
	}
	return b, nil
}

// readUvarint reads a Kafka unsigned varint, at most 32 bits.
func readUvarint(b []byte) (uint32, []byte, error) {
	v, n := binary.Uvarint(b[:min(len(b), maxUvarintLen)])
	if n <= 0 || v > math.MaxUint32 {
		return 0, nil, fmt.Errorf("%w: bad unsigned varint", ErrMalformed)
	}
	return uint32(v), b[n:], nil
}

// appendResponseHeader appends the response header for resp, already set to
// the request's version: the correlation id, then for flexible versions an
// empty tagged-field section (header v1). ApiVersions responses always use
// header v0 so that a client that does not yet know the broker's versions
// can read them (KIP-511).
func appendResponseHeader(dst []byte, correlationID int32, resp kmsg.Response) []byte {
	dst = binary.BigEndian.AppendUint32(dst, uint32(correlationID))
	if resp.IsFlexible() && resp.Key() != apiVersionsKey {
		dst = append(dst, 0)
	}
	return dst
}
