package broker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"

	"github.com/strata-streaming/strata/broker/config"
)

// ErrConfig is the class of invalid broker configurations.
var ErrConfig = errors.New("broker: invalid config")

// Config is what a broker starts from.
type Config struct {
	// NodeID is node.id.
	NodeID int32
	// Listen is the address the Kafka listener binds (host:port; port 0
	// picks a free one).
	Listen string
	// Advertised is the host:port clients are told to connect to; empty
	// means the listener's own address.
	Advertised string
	// DataDir is log.dirs: partition logs and cluster metadata live here.
	DataDir string
	// Settings are Kafka broker configs by name (num.partitions,
	// log.retention.ms, ...), validated against the registry.
	Settings map[string]string
	// Logger receives the broker's logs; nil discards them.
	Logger *slog.Logger
	// Telemetry configures the admin HTTP server (metrics, health,
	// readiness, pprof) and trace export; the zero value disables both.
	Telemetry TelemetryConfig
}

// DefaultListen is where a broker listens unless told otherwise.
const DefaultListen = "127.0.0.1:9092"

// Validate checks the fields and every setting.
func (c *Config) Validate() error {
	if c.NodeID < 0 {
		return fmt.Errorf("%w: node.id %d must not be negative", ErrConfig, c.NodeID)
	}
	if c.DataDir == "" {
		return fmt.Errorf("%w: the data directory is empty", ErrConfig)
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("%w: listen address %q: %w", ErrConfig, c.Listen, err)
	}
	if c.Advertised != "" {
		if _, err := splitAdvertised(c.Advertised); err != nil {
			return err
		}
	}
	if err := c.Telemetry.validate(); err != nil {
		return err
	}
	if err := config.ValidateBrokerConfigs(c.Settings); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return nil
}

// endpoint is an advertised host and port.
type endpoint struct {
	host string
	port int32
}

func splitAdvertised(addr string) (endpoint, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return endpoint{}, fmt.Errorf("%w: advertised address %q: %w", ErrConfig, addr, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p == 0 || host == "" {
		return endpoint{}, fmt.Errorf("%w: advertised address %q needs a host and a port", ErrConfig, addr)
	}
	return endpoint{host: host, port: int32(p)}, nil
}

// advertisedEndpoint is where clients reach the listener: the configured
// address, or the bound one when that is a specific host.
func (c *Config) advertisedEndpoint(bound net.Addr) (endpoint, error) {
	if c.Advertised != "" {
		return splitAdvertised(c.Advertised)
	}
	tcp, ok := bound.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		return endpoint{}, fmt.Errorf("%w: listening on %s: set an advertised address clients can reach", ErrConfig, bound)
	}
	return endpoint{host: tcp.IP.String(), port: int32(tcp.Port)}, nil
}
