package telemetry

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
)

// DefaultListen is where the admin HTTP server listens unless told
// otherwise.
const DefaultListen = "127.0.0.1:9644"

// DefaultServiceName is the service.name of the process's resource.
const DefaultServiceName = "strata"

// DefaultTraceSampleRatio is the fraction of traces recorded unless told
// otherwise: a broker serves far too many requests to trace them all.
const DefaultTraceSampleRatio = 0.01

// ErrConfig is the class of invalid telemetry configurations.
var ErrConfig = errors.New("telemetry: invalid config")

// Config configures a process's telemetry: the admin HTTP server, the
// metric pipeline behind its /metrics, and trace export.
type Config struct {
	// Listen is the admin HTTP server's address (host:port; port 0 picks
	// a free one). Empty disables the server, and with it metric
	// collection: MeterProvider is then a no-op.
	Listen string
	// EnablePprof serves net/http/pprof under /debug/pprof/ on the admin
	// server. Off by default: profiles expose internals and cost CPU.
	EnablePprof bool
	// OTLPEndpoint, when set, exports traces over OTLP/HTTP to this
	// collector URL (http://collector:4318, or https://...; the path
	// defaults to /v1/traces). Empty disables tracing: TracerProvider is
	// then a no-op.
	OTLPEndpoint string
	// TraceSampleRatio is the fraction of traces recorded, in (0, 1];
	// zero means DefaultTraceSampleRatio. A span whose parent was sampled
	// is always recorded.
	TraceSampleRatio float64
	// ServiceName is the resource's service.name; empty means
	// DefaultServiceName.
	ServiceName string
	// InstanceID is the resource's service.instance.id (the broker's node
	// id, say); empty leaves it out.
	InstanceID string
	// Routes are further endpoints of the admin server, by ServeMux
	// pattern ("GET /v1/tiers"): the broker's own status pages.
	Routes map[string]http.Handler
	// Logger receives the server's errors; nil discards them.
	Logger *slog.Logger
}

// DefaultConfig returns the defaults: the admin server on DefaultListen,
// no pprof, no trace export.
func DefaultConfig() Config {
	return Config{Listen: DefaultListen, ServiceName: DefaultServiceName}
}

// Validate reports the first invalid field, wrapped in ErrConfig.
func (c Config) Validate() error {
	if c.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("%w: admin listen address %q: %w (want host:port, e.g. %s)", ErrConfig, c.Listen, err, DefaultListen)
		}
	}
	if c.EnablePprof && c.Listen == "" {
		return fmt.Errorf("%w: pprof needs the admin listener; set an admin listen address", ErrConfig)
	}
	if c.TraceSampleRatio < 0 || c.TraceSampleRatio > 1 {
		return fmt.Errorf("%w: trace sample ratio %v is outside (0, 1]", ErrConfig, c.TraceSampleRatio)
	}
	if c.OTLPEndpoint != "" {
		u, err := url.Parse(c.OTLPEndpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: OTLP endpoint %q is not an http(s) URL (want e.g. http://127.0.0.1:4318)", ErrConfig, c.OTLPEndpoint)
		}
	}
	return nil
}

func (c Config) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c Config) sampleRatio() float64 {
	if c.TraceSampleRatio == 0 {
		return DefaultTraceSampleRatio
	}
	return c.TraceSampleRatio
}

func (c Config) serviceName() string {
	if c.ServiceName != "" {
		return c.ServiceName
	}
	return DefaultServiceName
}
