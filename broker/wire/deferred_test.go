package wire

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// gatedProduce is a Deferred produce response completed when gate closes.
type gatedProduce struct {
	*kmsg.ProduceResponse
	gate     <-chan struct{}
	awaited  chan struct{}
	canceled atomic.Bool
}

func (g *gatedProduce) Await(ctx context.Context) {
	defer close(g.awaited)
	select {
	case <-g.gate:
		g.ThrottleMillis = 7 // completed: visible in the written response
	case <-ctx.Done():
		g.canceled.Store(true)
	}
}

// deferringHandler answers Produce with a gatedProduce and records the
// requests it served.
type deferringHandler struct {
	base    testHandler
	gate    chan struct{}
	served  atomic.Int32
	pending chan *gatedProduce
}

func newDeferringHandler() *deferringHandler {
	return &deferringHandler{gate: make(chan struct{}), pending: make(chan *gatedProduce, 8)}
}

func (h *deferringHandler) Serve(ctx context.Context, req *Request) (kmsg.Response, error) {
	h.served.Add(1)
	if _, ok := req.Msg.(*kmsg.ProduceRequest); ok {
		g := &gatedProduce{ProduceResponse: kmsg.NewPtrProduceResponse(), gate: h.gate, awaited: make(chan struct{})}
		h.pending <- g
		return g, nil
	}
	return h.base.Serve(ctx, req)
}

func produceAt(version int16) *kmsg.ProduceRequest {
	req := kmsg.NewPtrProduceRequest()
	req.Version, req.Acks, req.TimeoutMillis = version, -1, 30000
	return req
}

// The requests after a Deferred response are served while it waits, and
// every response still goes out in request order, the deferred one
// completed.
func TestDeferredServesLaterRequestsInOrder(t *testing.T) {
	h := newDeferringHandler()
	_, addr := startServer(t, h)
	c := dialRaw(t, addr)
	c.write(slices.Concat(c.frame(1, apiVersionsAt(1)), c.frame(2, produceAt(7)),
		c.frame(3, metadataAt(7)), c.frame(4, produceAt(7)), c.frame(5, metadataAt(7))))
	c.read(1, 18, 1) // written before the wait
	eventually(t, "every request to be served while the first produce waits", func() bool {
		return h.served.Load() == 5
	})
	c.nc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := readResponse(c.nc, 2, 0, 7); err == nil {
		t.Fatal("a response was written before the deferred produce was complete")
	}
	c.nc.SetReadDeadline(time.Now().Add(failAfter))
	close(h.gate)
	for _, want := range []struct {
		id         int32
		key, vers  int16
		throttleMs int32
	}{{2, 0, 7, 7}, {3, 3, 7, 0}, {4, 0, 7, 7}, {5, 3, 7, 0}} {
		resp := c.read(want.id, want.key, want.vers)
		if p, ok := resp.(*kmsg.ProduceResponse); ok && p.ThrottleMillis != want.throttleMs {
			t.Fatalf("response %d: throttle %d, want %d: written before Await returned", want.id, p.ThrottleMillis, want.throttleMs)
		}
	}
}

// A client that leaves while a response is deferred ends the wait: Await's
// context is cancelled and the connection closes.
func TestDeferredCancelledWhenClientCloses(t *testing.T) {
	h := newDeferringHandler()
	srv, addr := startServer(t, h)
	c := dialRaw(t, addr)
	c.send(1, produceAt(7))
	g := <-h.pending
	c.nc.Close()
	select {
	case <-g.awaited:
	case <-time.After(failAfter):
		t.Fatal("Await still waiting after the client closed")
	}
	if !g.canceled.Load() {
		t.Fatal("Await returned without its context cancelled")
	}
	eventually(t, "the connection to close", func() bool { return len(serverConns(srv)) == 0 })
}
