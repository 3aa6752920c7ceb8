package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// fetchConn is a batches-mode reader's own connection to one broker. It
// sends Fetch requests and reads each response into a buffer the caller
// hands it and gets back once done with the response, so a run reuses a
// few buffers instead of allocating (and faulting in) one per response,
// as a raw socket reader would.
type fetchConn struct {
	nc      net.Conn
	version int16
	format  *kmsg.RequestFormatter
	corr    int32
	out     []byte // request encoding buffer, reused
}

// fetchResponseSlack is what a Fetch response may hold beyond its record
// bytes: the topic and partition fields.
const fetchResponseSlack = 1 << 20

// errFetchConn is the class of broken fetch connections.
var errFetchConn = errors.New("fetch connection")

// errBrokerInfo is the class of a broker's missing versions or address,
// which the bench's own connections need before they dial.
var errBrokerInfo = errors.New("broker info")

// dialFetch connects to the broker at addr, to speak Fetch at version.
func dialFetch(ctx context.Context, addr string, version int16, clientID string) (*fetchConn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%w: dial %s: %w", errFetchConn, addr, err)
	}
	return &fetchConn{nc: nc, version: version, format: kmsg.NewRequestFormatter(kmsg.FormatterClientID(clientID))}, nil
}

func (c *fetchConn) Close() error { return c.nc.Close() }

// fetch sends req and reads its response into buf, grown as needed. The
// response's byte fields alias the returned buffer.
func (c *fetchConn) fetch(ctx context.Context, req *kmsg.FetchRequest, buf []byte) (*kmsg.FetchResponse, []byte, error) {
	if deadline, ok := ctx.Deadline(); ok {
		c.nc.SetDeadline(deadline)
	} else {
		c.nc.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { c.nc.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	req.SetVersion(c.version)
	c.corr++
	c.out = c.format.AppendRequest(c.out[:0], req, c.corr)
	if _, err := c.nc.Write(c.out); err != nil {
		return nil, buf, c.failed(ctx, "send fetch", err)
	}
	buf, err := c.readFrame(buf, int(req.MaxBytes)+fetchResponseSlack)
	if err != nil {
		return nil, buf, c.failed(ctx, "read fetch response", err)
	}
	resp, err := c.decode(buf)
	return resp, buf, err
}

// readFrame reads one response frame, at most limit bytes, into buf.
func (c *fetchConn) readFrame(buf []byte, limit int) ([]byte, error) {
	return readResponseFrame(c.nc, buf, limit)
}

// readResponseFrame reads one size-prefixed response frame of at most
// limit bytes from r into buf, grown as needed, and returns it without
// its size prefix.
func readResponseFrame(r io.Reader, buf []byte, limit int) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return buf, err
	}
	n := int(int32(binary.BigEndian.Uint32(size[:])))
	if n < 4 || n > limit {
		return buf, fmt.Errorf("response of %d bytes, want 4 to %d", n, limit)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	_, err := io.ReadFull(r, buf)
	return buf, err
}

// decode checks the response header and decodes the body.
func (c *fetchConn) decode(frame []byte) (*kmsg.FetchResponse, error) {
	resp := kmsg.NewPtrFetchResponse()
	resp.SetVersion(c.version)
	if err := decodeResponse(frame, c.corr, resp); err != nil {
		return nil, fmt.Errorf("%w: %w", errFetchConn, err)
	}
	return resp, nil
}

// decodeResponse checks that frame (a response without its size prefix)
// answers the request numbered corr and decodes its body into resp, whose
// version is set.
func decodeResponse(frame []byte, corr int32, resp kmsg.Response) error {
	if len(frame) < 4 {
		return fmt.Errorf("response of %d bytes", len(frame))
	}
	if got := int32(binary.BigEndian.Uint32(frame)); got != corr {
		return fmt.Errorf("response to request %d, want %d", got, corr)
	}
	body := frame[4:]
	if resp.IsFlexible() {
		var err error
		if body, err = skipHeaderTags(body); err != nil {
			return err
		}
	}
	if err := resp.ReadFrom(body); err != nil {
		return fmt.Errorf("decode %s response: %w", kmsg.NameForKey(resp.Key()), err)
	}
	return nil
}

// errBadResponseHeader is a flexible response header that does not parse.
var errBadResponseHeader = errors.New("bad response header")

// skipHeaderTags skips the tagged fields of a flexible response header.
func skipHeaderTags(b []byte) ([]byte, error) {
	n, used := binary.Uvarint(b)
	if used <= 0 {
		return nil, errBadResponseHeader
	}
	b = b[used:]
	for range n {
		if _, used = binary.Uvarint(b); used <= 0 {
			return nil, fmt.Errorf("%w: a tag runs past it", errBadResponseHeader)
		}
		b = b[used:]
		size, used := binary.Uvarint(b)
		if used <= 0 || uint64(len(b)-used) < size {
			return nil, fmt.Errorf("%w: a tag runs past it", errBadResponseHeader)
		}
		b = b[used+int(size):]
	}
	return b, nil
}

// failed wraps a connection error; an end of ctx is reported as ctx's.
func (c *fetchConn) failed(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("%w: %s: %w", errFetchConn, what, err)
}

// fetchVersion is the highest Fetch version both kmsg and the broker
// speak, from the broker's ApiVersions.
func fetchVersion(ctx context.Context, s *session, broker int32) (int16, error) {
	return maxAPIVersion(ctx, s, broker, kmsg.Fetch.Int16(), kmsg.NewPtrFetchRequest().MaxVersion())
}

// maxAPIVersion is the highest version of the API key that both the
// broker (by its ApiVersions) and kmsg (ours) speak.
func maxAPIVersion(ctx context.Context, s *session, broker int32, key, ours int16) (int16, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	versions, err := s.adm.ApiVersions(ctx)
	if err != nil {
		return 0, err
	}
	v, ok := versions[broker]
	if !ok || v.Err != nil {
		return 0, fmt.Errorf("%w: no api versions from broker %d", errBrokerInfo, broker)
	}
	max, ok := v.KeyMaxVersion(key)
	if !ok {
		return 0, fmt.Errorf("%w: broker %d does not serve %s", errBrokerInfo, broker, kmsg.NameForKey(key))
	}
	return min(max, ours), nil
}

// brokerAddr is the host:port of broker from the cluster's metadata.
func brokerAddr(ctx context.Context, s *session, broker int32) (string, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	md, err := s.adm.BrokerMetadata(ctx)
	if err != nil {
		return "", err
	}
	for _, b := range md.Brokers {
		if b.NodeID == broker {
			return net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port))), nil
		}
	}
	return "", fmt.Errorf("%w: broker %d is not in the metadata", errBrokerInfo, broker)
}
