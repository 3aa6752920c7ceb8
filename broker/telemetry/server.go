package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Timeouts of the admin server.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	// shutdownTimeout bounds Close: draining HTTP requests and flushing
	// buffered spans.
	shutdownTimeout = 5 * time.Second
)

// Server is a process's telemetry: the SDK providers and the admin HTTP
// server that exposes them.
type Server struct {
	cfg   Config
	log   *slog.Logger
	prov  *providers
	ready func() error

	ln   net.Listener // nil when the admin server is off
	http *http.Server
	done chan struct{} // closed when the HTTP server has stopped serving

	closeOnce sync.Once
	closeErr  error
}

// Start validates cfg, builds the providers and starts the admin server.
// ready reports whether the process is ready to serve: /readyz answers 200
// once it returns nil and 503 with its error until then; nil means always
// ready. It must be safe to call from any goroutine. ctx bounds the
// start-up only. The caller must Close the Server.
func Start(ctx context.Context, cfg Config, ready func() error) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if ready == nil {
		ready = func() error { return nil }
	}
	prov, err := newProviders(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.logger(), prov: prov, ready: ready, done: make(chan struct{})}
	if cfg.Listen == "" {
		close(s.done)
		return s, nil
	}
	if err := s.listen(); err != nil {
		close(s.done)
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

// listen binds the admin listener and serves it in a goroutine that Close
// stops and waits for.
func (s *Server) listen() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("telemetry: admin listen: %w", err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	go func() {
		defer close(s.done)
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("telemetry: admin server stopped", "err", err)
		}
	}()
	return nil
}

// routes is the admin server's mux.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.prov.registry, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", s.healthz)
	for pattern, h := range s.cfg.Routes {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("GET /readyz", s.readyz)
	if s.cfg.EnablePprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// healthz answers 200 for as long as the process serves HTTP at all.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// readyz answers 200 once the process is ready, else 503 with the reason.
func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.ready(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Addr is the admin server's address, or nil when it is off.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// MeterProvider is the provider the process's packages create their
// instruments from; a no-op when the admin server is off.
func (s *Server) MeterProvider() metric.MeterProvider { return s.prov.meterProvider() }

// Meter is MeterProvider().Meter(name): the meter of the package whose
// import path is name.
func (s *Server) Meter(name string) metric.Meter { return s.MeterProvider().Meter(name) }

// TracerProvider is the provider spans are started from; a no-op unless
// an OTLP endpoint is configured.
func (s *Server) TracerProvider() trace.TracerProvider { return s.prov.tracerProvider() }

// Close stops the admin server, letting requests in flight finish for a
// few seconds, then flushes buffered spans and shuts the providers down.
// It is idempotent.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	var errs []error
	if s.http != nil {
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("telemetry: shut down admin server: %w", err))
			s.http.Close()
		}
	} else if s.ln != nil {
		s.ln.Close()
	}
	<-s.done
	errs = append(errs, s.prov.shutdown(ctx))
	return errors.Join(errs...)
}
