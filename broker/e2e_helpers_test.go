package broker

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// testSettings keep test brokers quick: no initial rebalance delay.
var testSettings = map[string]string{
	"group.initial.rebalance.delay.ms": "0",
	"offsets.topic.num.partitions":     "5",
}

// startBroker starts a broker on a free loopback port over dir and stops
// it when the test ends (unless the test closed it first).
func startBroker(t *testing.T, dir string, overrides ...map[string]string) *Broker {
	t.Helper()
	return startBrokerAdvertised(t, dir, "", overrides...)
}

// startBrokerAdvertised starts a broker that tells clients to connect to
// advertised ("" for its own address).
func startBrokerAdvertised(t *testing.T, dir, advertised string, overrides ...map[string]string) *Broker {
	t.Helper()
	settings := map[string]string{}
	for k, v := range testSettings {
		settings[k] = v
	}
	for _, o := range overrides {
		for k, v := range o {
			settings[k] = v
		}
	}
	level := slog.LevelWarn
	if os.Getenv("STRATA_TEST_DEBUG") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Start(ctx, Config{NodeID: 1, Listen: "127.0.0.1:0", Advertised: advertised,
		DataDir: dir, Settings: settings, Logger: logger})
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// newClient returns a franz-go client of the broker, closed with the test.
func newClient(t *testing.T, b *Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	opts = append([]kgo.Opt{kgo.SeedBrokers(b.Addr().String())}, opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func newAdmin(t *testing.T, b *Broker) *kadm.Client {
	return kadm.NewClient(newClient(t, b))
}

// testContext is bounded generously: the machine may be slow.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func createTopic(t *testing.T, adm *kadm.Client, name string, partitions int32, configs map[string]*string) {
	t.Helper()
	resp, err := adm.CreateTopic(testContext(t), partitions, 1, configs, name)
	if err != nil || resp.Err != nil {
		t.Fatalf("create topic %s: %v %v", name, err, resp.Err)
	}
}
