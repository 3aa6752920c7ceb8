package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// failAfter bounds every blocking step of a test, so that a bug fails the
// test instead of hanging it. It is never an assertion on timing.
const failAfter = 20 * time.Second

// testVersions is the table the test servers advertise: ApiVersions 0-4 (one
// below what kmsg speaks, so clients take the KIP-511 path), Metadata 0-12
// and Produce 3-9.
var testVersions = mustVersions(
	apiKey(18, 0, 4),
	apiKey(3, 0, 12),
	apiKey(0, 3, 9),
)

func apiKey(key, minVersion, maxVersion int16) kmsg.ApiVersionsResponseApiKey {
	k := kmsg.NewApiVersionsResponseApiKey()
	k.ApiKey, k.MinVersion, k.MaxVersion = key, minVersion, maxVersion
	return k
}

func mustVersions(keys ...kmsg.ApiVersionsResponseApiKey) Versions {
	v, err := NewVersions(keys...)
	if err != nil {
		panic(err)
	}
	return v
}

// testHandler answers ApiVersions with testVersions, Metadata with one broker
// at addr, and Produce with an empty response, or none for acks=0.
type testHandler struct {
	addr string // host:port of the test server
}

func (h *testHandler) Serve(_ context.Context, req *Request) (kmsg.Response, error) {
	switch m := req.Msg.(type) {
	case *kmsg.ApiVersionsRequest:
		resp := kmsg.NewPtrApiVersionsResponse()
		resp.ApiKeys = testVersions.ApiKeys()
		return resp, nil
	case *kmsg.MetadataRequest:
		return h.metadata(), nil
	case *kmsg.ProduceRequest:
		if m.Acks == 0 {
			return nil, nil
		}
		return kmsg.NewPtrProduceResponse(), nil
	}
	return nil, fmt.Errorf("test handler: unexpected %T", req.Msg)
}

func (h *testHandler) metadata() *kmsg.MetadataResponse {
	resp := kmsg.NewPtrMetadataResponse()
	host, portStr, _ := net.SplitHostPort(h.addr)
	port, _ := strconv.Atoi(portStr)
	b := kmsg.NewMetadataResponseBroker()
	b.NodeID, b.Host, b.Port = 0, host, int32(port)
	resp.Brokers = append(resp.Brokers, b)
	resp.ControllerID = 0
	return resp
}

// startServer starts a Server on 127.0.0.1:0 with testVersions and a debug
// logger on the test's output; edit adjusts the config. The server is closed
// when the test ends, and Serve must then have returned ErrServerClosed.
func startServer(t *testing.T, h Handler, edit ...func(*Config)) (*Server, string) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Versions = testVersions
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	for _, e := range edit {
		e(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if h == nil {
		h = &testHandler{addr: addr}
	}
	srv, err := NewServer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := <-served; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return srv, addr
}

// rawClient speaks the protocol over a plain socket, for tests that need
// control over the bytes.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	f  *kmsg.RequestFormatter
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(failAfter))
	return &rawClient{t: t, nc: nc, f: kmsg.NewRequestFormatter(kmsg.FormatterClientID("test"))}
}

// frame encodes req at its set version as a complete request frame.
func (c *rawClient) frame(correlationID int32, req kmsg.Request) []byte {
	return c.f.AppendRequest(nil, req, correlationID)
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// send writes req with correlationID.
func (c *rawClient) send(correlationID int32, req kmsg.Request) {
	c.t.Helper()
	c.write(c.frame(correlationID, req))
}

// read reads one response, expecting correlationID, and decodes it as a
// response of key at version.
func (c *rawClient) read(correlationID int32, key, version int16) kmsg.Response {
	c.t.Helper()
	resp, err := readResponse(c.nc, correlationID, key, version)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

func readResponse(r io.Reader, correlationID int32, key, version int16) (kmsg.Response, error) {
	frame, err := ReadFrame(r, 1<<30)
	if err != nil {
		return nil, fmt.Errorf("read response %d: %w", correlationID, err)
	}
	if len(frame) < 4 {
		return nil, fmt.Errorf("response %d: %d-byte frame", correlationID, len(frame))
	}
	if got := int32(binary.BigEndian.Uint32(frame)); got != correlationID {
		return nil, fmt.Errorf("correlation id %d, want %d", got, correlationID)
	}
	resp := kmsg.ResponseForKey(key)
	resp.SetVersion(version)
	body := frame[4:]
	if resp.IsFlexible() && key != apiVersionsKey {
		if body, err = skipTags(body); err != nil {
			return nil, fmt.Errorf("response %d header: %w", correlationID, err)
		}
	}
	if err := resp.ReadFrom(body); err != nil {
		return nil, fmt.Errorf("decode response %d: %w", correlationID, err)
	}
	return resp, nil
}

// expectClosed reads until the server closes the connection, failing if it
// stays open for failAfter.
func (c *rawClient) expectClosed() {
	c.t.Helper()
	buf := make([]byte, 4096)
	for {
		_, err := c.nc.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			c.t.Fatal("connection still open")
		}
		return
	}
}

// apiVersionsAt returns an ApiVersions request at version.
func apiVersionsAt(version int16) *kmsg.ApiVersionsRequest {
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = version
	if version >= 3 {
		req.ClientSoftwareName, req.ClientSoftwareVersion = "strata-test", "1.0"
	}
	return req
}

// metadataAt returns a Metadata request for all topics at version.
func metadataAt(version int16) *kmsg.MetadataRequest {
	req := kmsg.NewPtrMetadataRequest()
	req.Version = version
	return req
}

// eventually polls cond until it holds, failing after failAfter.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serverConns returns the server's open connections.
func serverConns(s *Server) []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cs []*conn
	for c := range s.conns {
		cs = append(cs, c)
	}
	return cs
}
