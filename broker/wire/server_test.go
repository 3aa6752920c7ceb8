package wire

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A real client connects, negotiates versions (its first ApiVersions is
// newer than the server's, so it takes the KIP-511 path) and issues requests.
func TestFranzGoClient(t *testing.T) {
	srv, addr := startServer(t, nil)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()

	av, err := kmsg.NewPtrApiVersionsRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if av.ErrorCode != 0 || len(av.ApiKeys) != len(testVersions.ApiKeys()) {
		t.Fatalf("ApiVersions = error %d, keys %+v", av.ErrorCode, av.ApiKeys)
	}
	if av.Version != 4 {
		t.Fatalf("ApiVersions served at v%d, want the advertised max 4", av.Version)
	}

	md, err := kmsg.NewPtrMetadataRequest().RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(md.Brokers) != 1 || md.Brokers[0].Host != "127.0.0.1" {
		t.Fatalf("Metadata brokers = %+v", md.Brokers)
	}
	if srv.Addr().String() != addr {
		t.Fatalf("Addr = %v, want %s", srv.Addr(), addr)
	}
}

// Close with connections open, one of them inside a handler, returns once
// every goroutine the server started has ended; the handler's context is
// cancelled.
func TestCloseWaitsForEverything(t *testing.T) {
	baseline := runtime.NumGoroutine()
	served, cancelled := make(chan struct{}), make(chan struct{})
	base := &testHandler{}
	h := HandlerFunc(func(ctx context.Context, req *Request) (kmsg.Response, error) {
		if req.Key == 3 {
			close(served)
			<-ctx.Done()
			close(cancelled)
			return nil, ctx.Err()
		}
		return base.Serve(ctx, req)
	})
	cfg := DefaultConfig()
	cfg.Versions = testVersions
	srv, err := NewServer(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()

	for i := range 4 {
		c := dialRaw(t, ln.Addr().String())
		c.send(int32(i), apiVersionsAt(0))
		c.read(int32(i), 18, 0)
	}
	blocked := dialRaw(t, ln.Addr().String())
	blocked.send(1, metadataAt(1))
	<-served

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	<-cancelled
	if err := <-serveErr; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve = %v, want ErrServerClosed", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close = %v", err)
	}
	if err := srv.Serve(ln); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Close = %v, want ErrServerClosed", err)
	}
	blocked.expectClosed()
	eventually(t, "goroutines to return to the baseline", func() bool {
		return runtime.NumGoroutine() <= baseline
	})
}

// At MaxConnections the server stops accepting; a waiting client is served
// once a connection closes.
func TestMaxConnections(t *testing.T) {
	srv, addr := startServer(t, nil, func(c *Config) { c.MaxConnections = 1 })
	first := dialRaw(t, addr)
	first.send(1, apiVersionsAt(0))
	first.read(1, 18, 0)

	second := dialRaw(t, addr) // completes in the kernel's backlog
	second.send(1, apiVersionsAt(0))
	first.send(2, apiVersionsAt(0))
	first.read(2, 18, 0)
	if n := len(serverConns(srv)); n != 1 {
		t.Fatalf("%d connections at MaxConnections 1", n)
	}

	first.nc.Close()
	second.read(1, 18, 0)
}

// A listener closed by its owner ends Serve with an error other than
// ErrServerClosed; the Server itself stays usable for Close.
func TestServeEndsWhenListenerCloses(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Versions = testVersions
	srv, err := NewServer(cfg, &testHandler{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	eventually(t, "Serve to register the listener", func() bool { return srv.Addr() != nil })
	ln.Close()
	if err := <-served; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Serve = %v, want net.ErrClosed", err)
	}
}
