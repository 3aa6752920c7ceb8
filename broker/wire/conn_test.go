package wire

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestPipelinedResponsesInOrder(t *testing.T) {
	_, addr := startServer(t, nil)
	c := dialRaw(t, addr)
	var batch []byte
	var sent []kmsg.Request
	for i := range 50 {
		var req kmsg.Request = apiVersionsAt(int16(i % 5))
		if i%2 == 1 {
			req = metadataAt(int16(i % 13))
		}
		sent = append(sent, req)
		batch = append(batch, c.frame(int32(100+i), req)...)
	}
	c.write(batch)
	for i, req := range sent {
		c.read(int32(100+i), req.Key(), req.GetVersion())
	}
}

// A request the handler answers with nil (acks=0) gets no response, and the
// next response still arrives in order.
func TestNoResponseForAcksZero(t *testing.T) {
	_, addr := startServer(t, nil)
	c := dialRaw(t, addr)
	c.write(slices.Concat(
		c.frame(1, sampleProduce(9, 0)),
		c.frame(2, apiVersionsAt(2)),
		c.frame(3, sampleProduce(9, 1)),
		c.frame(4, sampleProduce(9, 0)),
		c.frame(5, metadataAt(12)),
	))
	c.read(2, 18, 2)
	c.read(3, 0, 9)
	c.read(5, 3, 12)
}

// A 2 GiB frame is refused from its size alone: the connection closes and
// nothing near its size is allocated.
func TestHugeFrameRefusedWithoutAllocating(t *testing.T) {
	_, addr := startServer(t, nil)
	c := dialRaw(t, addr)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c.write(append(sizePrefix(0x7fffffff), "some of the frame"...))
	c.expectClosed()
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 256<<20 {
		t.Fatalf("allocated %d bytes refusing a 2 GiB frame", d)
	}
}

// Input that does not parse closes its own connection; another connection
// is undisturbed.
func TestMalformedClosesOnlyItsConnection(t *testing.T) {
	_, addr := startServer(t, nil)
	good := dialRaw(t, addr)
	good.send(1, apiVersionsAt(3))
	good.read(1, 18, 3)

	frames := map[string][]byte{
		"negative size":    sizePrefix(0x80000000),
		"size -1":          sizePrefix(0xffffffff),
		"empty frame":      sizePrefix(0),
		"random bytes":     append(sizePrefix(12), "\xde\xad\xbe\xef\x00\x01\x02\x03\x04\x05\x06\x07"...),
		"garbage body":     withSize(cat(rawHeader(3, 4, 9), clientID("c"), []byte{0x7f, 0xff, 0xff, 0xff, 1, 2})),
		"hostile tags":     withSize(cat(rawHeader(3, 12, 9), clientID("c"), []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0})),
		"truncated header": withSize(rawHeader(3, 4, 9)[:6]),
	}
	i := int32(2)
	for name, frame := range frames {
		t.Run(name, func(t *testing.T) {
			bad := dialRaw(t, addr)
			bad.write(frame)
			bad.expectClosed()
			good.send(i, metadataAt(4))
			good.read(i, 3, 4)
			i++
		})
	}
}

func withSize(frame []byte) []byte { return append(sizePrefix(uint32(len(frame))), frame...) }

// Requests queued before a malformed frame are answered before the close.
func TestQueuedRequestsAnsweredBeforeClose(t *testing.T) {
	_, addr := startServer(t, nil)
	c := dialRaw(t, addr)
	c.write(slices.Concat(
		c.frame(1, apiVersionsAt(1)),
		c.frame(2, metadataAt(7)),
		withSize([]byte("garbage!")),
		c.frame(3, apiVersionsAt(1)),
	))
	c.read(1, 18, 1)
	c.read(2, 3, 7)
	c.expectClosed()
}

// A request for a key or version outside the table closes the connection.
func TestUnsupportedRequestCloses(t *testing.T) {
	_, addr := startServer(t, nil)
	tests := map[string][]byte{
		"key kmsg does not know": cat(rawHeader(999, 0, 1), clientID("c")),
		"key not served":         frameBody(kmsg.NewPtrFindCoordinatorRequest(), 1),
		"version above the max":  frameBody(metadataAt(13), 1),
		"version below the min":  frameBody(sampleProduce(2, 1), 1),
		"version past kmsg":      cat(rawHeader(3, 99, 1), clientID("c"), noTags, noTags),
	}
	for name, frame := range tests {
		t.Run(name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.write(withSize(frame))
			c.expectClosed()
		})
	}
}

// An ApiVersions request at a version the server does not serve is answered
// at v0 with UNSUPPORTED_VERSION and the table; the connection stays open
// for the retry.
func TestApiVersionsUnsupportedVersion(t *testing.T) {
	_, addr := startServer(t, nil)
	tests := map[string][]byte{
		"v99, past kmsg":       withSize(cat(rawHeader(18, 99, 7), clientID("c"), noTags, []byte("future fields"))),
		"v5, past the table":   withSize(frameBody(apiVersionsAt(5), 7)),
		"negative version":     withSize(cat(rawHeader(18, -1, 7), clientID("c"))),
		"v99, null client id":  withSize(cat(rawHeader(18, 99, 7), nullClientID, noTags)),
		"v99 with header tags": withSize(cat(rawHeader(18, 99, 7), clientID("c"), []byte{1, 4, 1, 'x'})),
	}
	for name, frame := range tests {
		t.Run(name, func(t *testing.T) {
			c := dialRaw(t, addr)
			c.write(frame)
			resp := c.read(7, 18, 0).(*kmsg.ApiVersionsResponse)
			if resp.ErrorCode != 35 {
				t.Fatalf("error code %d, want 35 (UNSUPPORTED_VERSION)", resp.ErrorCode)
			}
			if got, want := keyList(resp.ApiKeys), keyList(testVersions.ApiKeys()); !slices.Equal(got, want) {
				t.Fatalf("keys %v, want %v", got, want)
			}
			c.send(8, apiVersionsAt(4))
			if resp := c.read(8, 18, 4).(*kmsg.ApiVersionsResponse); resp.ErrorCode != 0 {
				t.Fatalf("retry: error code %d", resp.ErrorCode)
			}
		})
	}
}

func TestIdleTimeoutClosesConnection(t *testing.T) {
	_, addr := startServer(t, nil, func(c *Config) { c.IdleTimeout = 100 * time.Millisecond })
	t.Run("never used", func(t *testing.T) {
		dialRaw(t, addr).expectClosed()
	})
	t.Run("after a response", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.send(1, apiVersionsAt(0))
		c.read(1, 18, 0)
		c.expectClosed()
	})
	t.Run("stalled inside a frame", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.write(c.frame(1, metadataAt(4))[:10])
		c.expectClosed()
	})
}

// A connection whose request takes longer than the idle timeout to serve is
// busy, not idle.
func TestIdleTimeoutSparesBusyConnection(t *testing.T) {
	base := &testHandler{}
	h := HandlerFunc(func(ctx context.Context, req *Request) (kmsg.Response, error) {
		time.Sleep(300 * time.Millisecond)
		return base.Serve(ctx, req)
	})
	_, addr := startServer(t, h, func(c *Config) { c.IdleTimeout = 50 * time.Millisecond })
	c := dialRaw(t, addr)
	c.write(slices.Concat(c.frame(1, apiVersionsAt(0)), c.frame(2, apiVersionsAt(1))))
	c.read(1, 18, 0)
	c.read(2, 18, 1)
}

// With a slow handler, pipelined requests stop being read at the queue's
// caps and are all answered, in order, once the handler catches up.
func TestBackpressure(t *testing.T) {
	frame := newRawFrame(t, 1, bigMetadata())
	tests := []struct {
		name  string
		edit  func(*Config)
		full  func(*conn) bool // the reader has stopped at a cap
		bound func(*conn) error
	}{
		{
			name: "byte cap",
			edit: func(c *Config) { c.MaxQueuedBytes = 3 * len(frame) },
			full: func(c *conn) bool { return c.budget.inUse() > 2*len(frame) },
			bound: func(c *conn) error {
				if n := c.budget.inUse(); n > 3*len(frame) {
					return fmt.Errorf("%d bytes queued, cap %d", n, 3*len(frame))
				}
				return nil
			},
		},
		{
			name: "request cap",
			edit: func(c *Config) { c.MaxQueuedRequests = 2 },
			full: func(c *conn) bool { return len(c.reqs) == cap(c.reqs) },
			bound: func(c *conn) error {
				// One being served, two queued, one held by the reader.
				if n := c.budget.inUse(); n > 4*len(frame) {
					return fmt.Errorf("%d bytes read ahead with 2 requests queued", n)
				}
				return nil
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate := make(chan struct{})
			base := &testHandler{}
			h := HandlerFunc(func(ctx context.Context, req *Request) (kmsg.Response, error) {
				select {
				case <-gate:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
				return base.Serve(ctx, req)
			})
			srv, addr := startServer(t, h, tt.edit)
			c := dialRaw(t, addr)
			var batch []byte
			for i := range 50 {
				batch = append(batch, c.frame(int32(i), bigMetadata())...)
			}
			c.write(batch)
			var sc *conn
			eventually(t, "the reader to stop at the cap", func() bool {
				cs := serverConns(srv)
				if len(cs) == 1 {
					sc = cs[0]
				}
				return sc != nil && tt.full(sc)
			})
			if err := tt.bound(sc); err != nil {
				t.Fatal(err)
			}
			close(gate)
			for i := range 50 {
				c.read(int32(i), 3, 4)
			}
		})
	}
}

// bigMetadata is a Metadata v4 request of about 300 bytes.
func bigMetadata() *kmsg.MetadataRequest {
	req := metadataAt(4)
	for i := range 20 {
		t := kmsg.NewMetadataRequestTopic()
		t.Topic = kmsg.StringPtr(fmt.Sprintf("topic-%08d", i))
		req.Topics = append(req.Topics, t)
	}
	return req
}

func newRawFrame(t *testing.T, correlationID int32, req kmsg.Request) []byte {
	t.Helper()
	return kmsg.NewRequestFormatter(kmsg.FormatterClientID("test")).AppendRequest(nil, req, correlationID)
}

func TestContextCancelledWhenClientCloses(t *testing.T) {
	started, cancelled := make(chan struct{}), make(chan struct{})
	h := HandlerFunc(func(ctx context.Context, req *Request) (kmsg.Response, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	})
	_, addr := startServer(t, h)
	c := dialRaw(t, addr)
	c.send(1, metadataAt(1))
	<-started
	c.nc.Close()
	select {
	case <-cancelled:
	case <-time.After(failAfter):
		t.Fatal("handler context not cancelled")
	}
}

func TestHandlerFailureCloses(t *testing.T) {
	base := &testHandler{}
	tests := map[string]HandlerFunc{
		"error": func(context.Context, *Request) (kmsg.Response, error) {
			return nil, errors.New("handler: broken")
		},
		"wrong response type": func(ctx context.Context, req *Request) (kmsg.Response, error) {
			return kmsg.NewPtrApiVersionsResponse(), nil
		},
	}
	for name, fail := range tests {
		t.Run(name, func(t *testing.T) {
			h := HandlerFunc(func(ctx context.Context, req *Request) (kmsg.Response, error) {
				if req.Key == 3 {
					return fail(ctx, req)
				}
				return base.Serve(ctx, req)
			})
			_, addr := startServer(t, h)
			c := dialRaw(t, addr)
			c.write(slices.Concat(c.frame(1, apiVersionsAt(0)), c.frame(2, metadataAt(1))))
			c.read(1, 18, 0)
			c.expectClosed()
		})
	}
}

func TestRequestFields(t *testing.T) {
	got := make(chan *Request, 1)
	base := &testHandler{}
	h := HandlerFunc(func(ctx context.Context, req *Request) (kmsg.Response, error) {
		got <- req
		return base.Serve(ctx, req)
	})
	_, addr := startServer(t, h, func(c *Config) { c.IdleTimeout, c.WriteTimeout = 0, 0 })
	c := dialRaw(t, addr)
	frame := c.frame(77, metadataAt(12))
	c.write(frame)
	c.read(77, 3, 12)
	req := <-got
	if req.Key != 3 || req.Version != 12 || req.CorrelationID != 77 || deref(req.ClientID) != "test" ||
		req.Size != len(frame)-4 || req.ConnID == 0 || req.RemoteAddr.String() != c.nc.LocalAddr().String() {
		t.Fatalf("request = %+v", req)
	}
	if _, ok := req.Msg.(*kmsg.MetadataRequest); !ok {
		t.Fatalf("Msg is %T", req.Msg)
	}
}
