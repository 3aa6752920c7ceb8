package telemetry

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
)

// start starts a Server on a free loopback port, closed with the test.
func start(t *testing.T, cfg Config, ready func() error) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Start(ctx, cfg, ready)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

// get fetches path from the server and returns the status and body.
func get(t *testing.T, s *Server, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + s.Addr().String() + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp.StatusCode, string(body)
}

func loopback() Config { return Config{Listen: "127.0.0.1:0"} }

func TestHealthAndReadiness(t *testing.T) {
	var ready atomic.Bool
	s := start(t, loopback(), func() error {
		if !ready.Load() {
			return errors.New("recovering partitions")
		}
		return nil
	})
	if code, _ := get(t, s, "/healthz"); code != http.StatusOK {
		t.Fatalf("healthz = %d, want 200", code)
	}
	code, body := get(t, s, "/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "recovering partitions") {
		t.Fatalf("readyz before ready = %d %q, want 503 naming the reason", code, body)
	}
	ready.Store(true)
	if code, body := get(t, s, "/readyz"); code != http.StatusOK {
		t.Fatalf("readyz after ready = %d %q, want 200", code, body)
	}
}

func TestNilReadyIsReady(t *testing.T) {
	s := start(t, loopback(), nil)
	if code, _ := get(t, s, "/readyz"); code != http.StatusOK {
		t.Fatalf("readyz = %d, want 200", code)
	}
}

// TestMetricNames pins how instrument names and units become Prometheus
// names, which the dashboard and deploy/METRICS.md rely on.
func TestMetricNames(t *testing.T) {
	s := start(t, loopback(), nil)
	m := s.Meter("test")
	reqs, _ := m.Int64Counter("strata.test.requests", metric.WithUnit("{request}"))
	sent, _ := m.Int64Counter("strata.test.sent", metric.WithUnit("By"))
	lat, _ := m.Float64Histogram("strata.test.duration", metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(0.001, 0.01, 0.1))
	open, _ := m.Int64UpDownCounter("strata.test.connections", metric.WithUnit("{connection}"))
	ctx := context.Background()
	reqs.Add(ctx, 3)
	sent.Add(ctx, 100)
	lat.Record(ctx, 0.005)
	open.Add(ctx, 2)

	code, body := get(t, s, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("metrics = %d", code)
	}
	for _, want := range []string{
		"strata_test_requests_total 3",
		"strata_test_sent_bytes_total 100",
		`strata_test_duration_seconds_bucket{le="0.01"} 1`,
		"strata_test_duration_seconds_count 1",
		"strata_test_connections 2",
		"go_goroutine_count",
		"process_resident_memory_bytes",
		`target_info{service_name="strata"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		t.Logf("metrics:\n%s", body)
	}
}

// TestServersKeepSeparateMetrics starts two servers in one process, as
// tests of several brokers do: neither sees the other's instruments.
func TestServersKeepSeparateMetrics(t *testing.T) {
	a, b := start(t, loopback(), nil), start(t, loopback(), nil)
	for _, s := range []*Server{a, b} {
		c, err := s.Meter("test").Int64Counter("strata.test.hits")
		if err != nil {
			t.Fatal(err)
		}
		c.Add(context.Background(), 1)
	}
	for _, s := range []*Server{a, b} {
		if _, body := get(t, s, "/metrics"); !strings.Contains(body, "strata_test_hits_total 1\n") {
			t.Errorf("server %s: want its own count of 1", s.Addr())
		}
	}
}

func TestPprofOnlyWhenEnabled(t *testing.T) {
	off := start(t, loopback(), nil)
	if code, _ := get(t, off, "/debug/pprof/"); code != http.StatusNotFound {
		t.Errorf("pprof disabled: %d, want 404", code)
	}
	cfg := loopback()
	cfg.EnablePprof = true
	on := start(t, cfg, nil)
	if code, body := get(t, on, "/debug/pprof/"); code != http.StatusOK || !strings.Contains(body, "goroutine") {
		t.Errorf("pprof enabled: %d", code)
	}
}

func TestDisabledListener(t *testing.T) {
	s := start(t, Config{}, nil)
	if s.Addr() != nil {
		t.Fatalf("Addr = %v, want nil with no listener", s.Addr())
	}
	c, err := s.Meter("test").Int64Counter("strata.test.hits")
	if err != nil {
		t.Fatal(err)
	}
	c.Add(context.Background(), 1) // a no-op instrument
}

// TestTracesExported points the exporter at a fake collector and checks
// that Close flushes a span to it.
func TestTracesExported(t *testing.T) {
	got := make(chan string, 16)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		got <- r.Method + " " + r.URL.Path
	}))
	t.Cleanup(collector.Close)

	s, err := Start(context.Background(), Config{OTLPEndpoint: collector.URL, TraceSampleRatio: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, span := s.TracerProvider().Tracer("test").Start(context.Background(), "produce")
	span.End()
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case req := <-got:
		if req != "POST /v1/traces" {
			t.Fatalf("collector got %q, want POST /v1/traces", req)
		}
	default:
		t.Fatal("no span reached the collector")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", DefaultConfig(), true},
		{"disabled", Config{}, true},
		{"bad listen", Config{Listen: "9644"}, false},
		{"pprof without listener", Config{EnablePprof: true}, false},
		{"otlp url", Config{OTLPEndpoint: "http://127.0.0.1:4318"}, true},
		{"otlp without scheme", Config{OTLPEndpoint: "collector:4318"}, false},
		{"otlp grpc scheme", Config{OTLPEndpoint: "grpc://collector:4317"}, false},
		{"sample ratio above 1", Config{TraceSampleRatio: 1.5}, false},
		{"negative sample ratio", Config{TraceSampleRatio: -0.1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v is not ErrConfig", err)
			}
		})
	}
}

func TestStartFailsOnBusyAddress(t *testing.T) {
	s := start(t, loopback(), nil)
	_, err := Start(context.Background(), Config{Listen: s.Addr().String()}, nil)
	if err == nil {
		t.Fatal("second server on a busy address started")
	}
}
