package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Client defaults, used when --command-config does not set them.
const (
	defaultBootstrap      = "127.0.0.1:9092"
	defaultClientID       = "strata-cli"
	defaultRequestTimeout = 30 * time.Second
	maxDialTimeout        = 10 * time.Second
)

// clientOptions are the connection flags every client command shares. They
// are persistent flags of the root command.
type clientOptions struct {
	bootstrap     string
	commandConfig string
}

// register binds the options to the root command's persistent flags.
func (o *clientOptions) register(fs *pflag.FlagSet) {
	fs.StringVar(&o.bootstrap, "bootstrap-server", defaultBootstrap,
		"Kafka-protocol broker(s) to connect to (host:port, comma-separated)")
	fs.StringVar(&o.commandConfig, "command-config", "",
		"properties file of client settings (client.id, request.timeout.ms)")
}

// clientConfig is the validated client set-up of one command run.
type clientConfig struct {
	Seeds          []string
	ClientID       string
	RequestTimeout time.Duration
}

// Validate checks the seeds are host:port addresses and the timeout is sane.
func (c *clientConfig) Validate() error {
	if len(c.Seeds) == 0 {
		return usageErrorf("--bootstrap-server is empty: give host:port, e.g. --bootstrap-server 127.0.0.1:9092")
	}
	for _, s := range c.Seeds {
		if _, port, err := net.SplitHostPort(s); err != nil || port == "" {
			return usageErrorf("--bootstrap-server %q is not host:port: e.g. --bootstrap-server 127.0.0.1:9092", s)
		}
	}
	if c.RequestTimeout <= 0 {
		return usageErrorf("request.timeout.ms must be positive")
	}
	return nil
}

// config builds the validated client config from the flags and the
// --command-config file.
func (o *clientOptions) config() (clientConfig, error) {
	c := clientConfig{ClientID: defaultClientID, RequestTimeout: defaultRequestTimeout}
	for _, s := range strings.Split(o.bootstrap, ",") {
		if s = strings.TrimSpace(s); s != "" {
			c.Seeds = append(c.Seeds, s)
		}
	}
	if o.commandConfig != "" {
		props, err := readPropertiesFile(o.commandConfig)
		if err != nil {
			return c, err
		}
		if err := c.apply(props); err != nil {
			return c, err
		}
	}
	return c, c.Validate()
}

// apply sets the client settings a --command-config file may carry.
func (c *clientConfig) apply(props map[string]string) error {
	for k, v := range props {
		switch k {
		case "client.id":
			c.ClientID = v
		case "request.timeout.ms":
			ms, err := strconv.Atoi(v)
			if err != nil || ms <= 0 {
				return usageErrorf("--command-config: request.timeout.ms=%q: want a positive number of milliseconds", v)
			}
			c.RequestTimeout = time.Duration(ms) * time.Millisecond
		case "security.protocol":
			if !strings.EqualFold(v, "PLAINTEXT") {
				return usageErrorf("--command-config: security.protocol=%s: TLS and SASL are not supported yet; use PLAINTEXT", v)
			}
		default:
			return usageErrorf("--command-config: unknown setting %q: supported are client.id, request.timeout.ms, security.protocol", k)
		}
	}
	return nil
}

// readPropertiesFile reads a Java-style properties file: key=value or
// key: value lines, # and ! comments.
func readPropertiesFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageErrorf("--command-config: %v", err)
	}
	defer f.Close()
	props := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		i := strings.IndexAny(line, "=:")
		if i <= 0 {
			return nil, usageErrorf("--command-config %s line %d: want key=value", path, n)
		}
		props[strings.TrimSpace(line[:i])] = strings.TrimSpace(line[i+1:])
	}
	if err := sc.Err(); err != nil {
		return nil, usageErrorf("--command-config: %v", err)
	}
	return props, nil
}

// session is one command's connection to the cluster: a client, its admin
// view, and what the command needs to explain failures.
type session struct {
	cfg  clientConfig
	cl   *kgo.Client
	adm  *kadm.Client
	dial *dialTracker
}

// connect builds a client for the command; extra options (producer or
// consumer settings) are appended. The caller closes the session.
func (o *clientOptions) connect(extra ...kgo.Opt) (*session, error) {
	cfg, err := o.config()
	if err != nil {
		return nil, err
	}
	tr := &dialTracker{}
	opts := []kgo.Opt{
		kgo.SeedBrokers(cfg.Seeds...),
		kgo.ClientID(cfg.ClientID),
		kgo.DialTimeout(min(cfg.RequestTimeout, maxDialTimeout)),
		kgo.RetryTimeout(cfg.RequestTimeout),
		kgo.RecordDeliveryTimeout(cfg.RequestTimeout),
		kgo.WithHooks(tr),
	}
	cl, err := kgo.NewClient(append(opts, extra...)...)
	if err != nil {
		return nil, usageErrorf("client settings: %v", err)
	}
	adm := kadm.NewClient(cl)
	adm.SetTimeoutMillis(int32(min(cfg.RequestTimeout.Milliseconds(), 1<<31-1)))
	return &session{cfg: cfg, cl: cl, adm: adm, dial: tr}, nil
}

// Close closes the client.
func (s *session) Close() { s.cl.Close() }

// requestContext bounds one admin operation by the request timeout.
func (s *session) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.RequestTimeout)
}

// explain turns a failure of this session into the one-line message the
// user sees (see errors.go).
func (s *session) explain(err error) error {
	return explainError(err, strings.Join(s.cfg.Seeds, ","), s.dial.connected())
}

// dialTracker is a kgo hook that remembers whether any broker connection
// succeeded, so a timeout can be told apart from an unreachable cluster.
type dialTracker struct {
	mu struct {
		sync.Mutex
		ok bool
	}
}

var _ kgo.HookBrokerConnect = (*dialTracker)(nil)

// OnBrokerConnect records the outcome of a dial.
func (t *dialTracker) OnBrokerConnect(_ kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	if err != nil {
		return
	}
	t.mu.Lock()
	t.mu.ok = true
	t.mu.Unlock()
}

// connected reports whether any dial succeeded.
func (t *dialTracker) connected() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.mu.ok
}

// errNoTopic is returned by topicPartitions for a topic the cluster lacks.
var errNoTopic = errors.New("unknown topic")

// topicPartitions returns the partition ids of topic, or errNoTopic.
func (s *session) topicPartitions(ctx context.Context, topic string) ([]int32, error) {
	ctx, cancel := s.requestContext(ctx)
	defer cancel()
	td, err := s.adm.ListTopicsWithInternal(ctx, topic)
	if err != nil {
		return nil, err
	}
	t, ok := td[topic]
	if !ok || t.Err != nil {
		return nil, fmt.Errorf("%w %s", errNoTopic, topic)
	}
	return t.Partitions.Numbers(), nil
}

// withSession connects, runs fn, closes the client, and explains fn's
// failure in one line.
func withSession(co *clientOptions, fn func(*session) error, extra ...kgo.Opt) error {
	s, err := co.connect(extra...)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.explain(fn(s))
}
