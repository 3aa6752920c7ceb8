package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/strata-streaming/strata/broker"
)

type serveOptions struct {
	listen      string
	advertised  string
	dataDir     string
	nodeID      int32
	configFile  string
	overrides   []string
	logLevel    string
	logFormat   string
	objectStore string

	adminListen  string
	otlpEndpoint string
	pprof        bool
}

func newServeCommand() *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a Strata broker",
		Long: `Run a Strata broker: the Kafka protocol on --listen, data under --data-dir.

Any Kafka broker config (num.partitions, log.retention.ms, message.max.bytes, ...)
can be set in a YAML config file (a flat mapping of names to values) and with
--override name=value, which wins over the file.

Sealed segments are uploaded to the object store (--object-store, the config
object.store.url; a directory under --data-dir by default) and read back from it
transparently. Credentials come from the environment: AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY (and the rest of the AWS default chain) for s3://, the same
or MINIO_ROOT_USER and MINIO_ROOT_PASSWORD for minio://.`,
		Example: `  strata serve
  strata serve --listen 0.0.0.0:9092 --advertised-listener broker-1.example.com:9092
  strata serve --config strata.yaml --override num.partitions=6
  strata serve --object-store 's3://my-bucket/strata?region=eu-west-1'
  strata serve --object-store 's3://strata/prod?endpoint=http://127.0.0.1:9000&region=us-east-1&path-style=true'
  strata serve --object-store minio://127.0.0.1:9000/strata/prod`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:9092", "address the Kafka listener binds (host:port)")
	f.StringVar(&o.advertised, "advertised-listener", "", "host:port clients are told to connect to (default: --listen)")
	f.StringVar(&o.dataDir, "data-dir", "./data", "directory for partition logs and metadata")
	f.Int32Var(&o.nodeID, "node-id", 1, "this broker's node id")
	f.StringVar(&o.configFile, "config", "", "YAML file of Kafka broker configs")
	f.StringArrayVar(&o.overrides, "override", nil, "a broker config as name=value (repeatable)")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&o.logFormat, "log-format", "text", "log format: text or json")
	f.StringVar(&o.adminListen, "admin-listen", broker.DefaultAdminListen,
		`admin HTTP address serving /metrics, /healthz and /readyz (host:port; "" disables)`)
	f.StringVar(&o.otlpEndpoint, "otlp-endpoint", "",
		"OTLP/HTTP collector URL to export traces to, e.g. http://127.0.0.1:4318 (default: no traces)")
	f.BoolVar(&o.pprof, "pprof", false, "serve Go profiles under /debug/pprof/ on the admin listener")
	f.StringVar(&o.objectStore, "object-store", "", "object store URL for tiered storage: file:///path, s3://bucket/prefix?..., minio://host:port/bucket/prefix (default: a directory under --data-dir)")
	return cmd
}

func (o *serveOptions) run(ctx context.Context) error {
	logger, err := newLogger(o.logLevel, o.logFormat)
	if err != nil {
		return err
	}
	settings, err := broker.LoadSettings(o.configFile, o.overrides)
	if err != nil {
		return err
	}
	if o.objectStore != "" {
		settings["object.store.url"] = o.objectStore
	}
	cfg := broker.Config{
		NodeID: o.nodeID, Listen: o.listen, Advertised: o.advertised,
		DataDir: o.dataDir, Settings: settings, Logger: logger,
		Telemetry: broker.TelemetryConfig{AdminListen: o.adminListen, EnablePprof: o.pprof, OTLPEndpoint: o.otlpEndpoint},
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := broker.Start(ctx, cfg)
	if err != nil {
		return err
	}
	logger.Info("broker started", "listen", b.Addr().String(), "admin", b.AdminAddr(), "data_dir", o.dataDir, "node_id", o.nodeID)
	<-ctx.Done()
	logger.Info("shutting down")
	return b.Close()
}

// newLogger builds the process logger from the flags.
func newLogger(level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
