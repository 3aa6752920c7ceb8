package controller

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

func TestOpenFreshDir(t *testing.T) {
	c := open(t, testConfig(t.TempDir()))
	if !c.IsLeader() {
		t.Fatal("a single node is not the leader after Open")
	}
	img := c.Image()
	if len(img.ClusterID) != 22 {
		t.Errorf("cluster id %q, want 22 base64 characters", img.ClusterID)
	}
	if len(img.Topics) != 0 || len(img.Brokers) != 0 || img.NextProducerID != 0 {
		t.Errorf("fresh image = %+v", img)
	}
	waitFor(t, "ControllerID", func() bool { return c.Image().ControllerID == 1 })
}

func TestOpenConfigErrors(t *testing.T) {
	for _, mutate := range []func(*Config){
		func(c *Config) { c.Dir = "" },
		func(c *Config) { c.NodeID = -1 },
		func(c *Config) { c.ApplyTimeout = 0 },
		func(c *Config) { c.OpenTimeout = 0 },
		func(c *Config) { c.ElectionTimeout = 0 },
		func(c *Config) { c.SnapshotThreshold = 0 },
	} {
		cfg := testConfig(t.TempDir())
		mutate(&cfg)
		if _, err := Open(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("Open(%+v) = %v, want ErrConfig", cfg, err)
		}
	}
}

// populate makes one change of every kind and returns the producer id
// block it allocated.
func populate(t *testing.T, c *Controller) int64 {
	t.Helper()
	ctx := context.Background()
	if _, err := c.CreateTopic(ctx, TopicSpec{Name: "orders", Partitions: 3, ReplicationFactor: 1,
		Configs: map[string]string{"retention.ms": "1000"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTopic(ctx, TopicSpec{Name: "__consumer_offsets", Partitions: 2, ReplicationFactor: 1, Internal: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTopic(ctx, TopicSpec{Name: "gone", Assignment: [][]int32{{1}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTopic(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if err := c.CreatePartitions(ctx, "orders", 5, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := c.SetTopicConfigs(ctx, "orders", map[string]string{"cleanup.policy": "compact"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetBrokerConfigs(ctx, map[string]string{"log.retention.ms": "5"}); err != nil {
		t.Fatal(err)
	}
	first, err := c.AllocateProducerIDs(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return first
}

func TestReopenRecoversImage(t *testing.T) {
	cfg := testConfig(t.TempDir())
	c := openBroker(t, cfg)
	first := populate(t, c)
	img := c.Image()
	if first != 0 || img.NextProducerID != 1000 {
		t.Fatalf("first producer id %d, next %d", first, img.NextProducerID)
	}
	orders, _ := img.Topic("orders")
	if len(orders.Partitions) != 5 || !reflect.DeepEqual(orders.Configs, map[string]string{"cleanup.policy": "compact"}) {
		t.Fatalf("orders = %+v", orders)
	}
	want := encoded(t, img)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c2 := open(t, cfg)
	if got := encoded(t, c2.Image()); got != want {
		t.Fatalf("reopened image differs:\ngot  %s\nwant %s", got, want)
	}
	if byID, ok := c2.Image().TopicByID(orders.ID); !ok || byID.Name != "orders" {
		t.Errorf("TopicByID after reopen = %v, %v", byID, ok)
	}
	next, err := c2.AllocateProducerIDs(context.Background(), 10)
	if err != nil || next != 1000 {
		t.Fatalf("producer ids after reopen start at %d (%v), want 1000", next, err)
	}
}

func TestReopenFromSnapshot(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.TrailingLogs = 0 // a snapshot compacts the whole log behind it
	c := openBroker(t, cfg)
	populate(t, c)
	if err := c.node.raft.Snapshot().Error(); err != nil {
		t.Fatal(err)
	}
	// Changes after the snapshot come back from the log.
	if _, err := c.CreateTopic(context.Background(), TopicSpec{Name: "late", Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	want := encoded(t, c.Image())
	first, err := c.node.store.FirstIndex()
	if err != nil || first <= 2 {
		t.Fatalf("log first index %d (%v): the snapshot did not compact the log", first, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	c2 := open(t, cfg)
	if got := encoded(t, c2.Image()); got != want {
		t.Fatalf("image from snapshot and log differs:\ngot  %s\nwant %s", got, want)
	}
	if next, err := c2.AllocateProducerIDs(context.Background(), 1); err != nil || next != 1000 {
		t.Fatalf("producer id after restore = %d, %v", next, err)
	}
}

func TestChangedFires(t *testing.T) {
	c := openBroker(t, testConfig(t.TempDir()))
	changed := c.Changed()
	before := c.Image()
	select {
	case <-changed:
		t.Fatal("Changed fired before any change")
	default:
	}
	if _, err := c.CreateTopic(context.Background(), TopicSpec{Name: "t", Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	<-changed // closed by the publish that CreateTopic waited for
	after := c.Image()
	if after.Offset <= before.Offset {
		t.Errorf("offset %d after %d", after.Offset, before.Offset)
	}
	if _, ok := before.Topic("t"); ok {
		t.Error("the old image sees the new topic")
	}
	if c.Changed() == changed {
		t.Error("Changed returned the closed channel again")
	}
}

func TestConcurrentProposals(t *testing.T) {
	c := openBroker(t, testConfig(t.TempDir()))
	const workers, each = 6, 8
	var wg sync.WaitGroup
	firsts := make(chan int64, workers*each)
	errs := make(chan error, workers*each*2)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				ctx := context.Background()
				if _, err := c.CreateTopic(ctx, TopicSpec{Name: fmt.Sprintf("w%d-t%d", w, i), Partitions: 2, ReplicationFactor: 1}); err != nil {
					errs <- err
				}
				first, err := c.AllocateProducerIDs(ctx, 10)
				if err != nil {
					errs <- err
					continue
				}
				firsts <- first
			}
		})
	}
	wg.Wait()
	close(errs)
	close(firsts)
	for err := range errs {
		t.Error(err)
	}
	seen := map[int64]bool{}
	for first := range firsts {
		if first%10 != 0 || seen[first] {
			t.Errorf("producer id block at %d overlaps another", first)
		}
		seen[first] = true
	}
	img := c.Image()
	if len(img.Topics) != workers*each || img.NextProducerID != workers*each*10 {
		t.Errorf("%d topics, next producer id %d", len(img.Topics), img.NextProducerID)
	}
}

func TestValidateTopicMatchesCreateTopic(t *testing.T) {
	c := openBroker(t, testConfig(t.TempDir()))
	if _, err := c.CreateTopic(context.Background(), TopicSpec{Name: "metrics.cpu", Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	specs := []struct {
		spec TopicSpec
		want error
	}{
		{TopicSpec{Name: "ok", Partitions: 2, ReplicationFactor: 1}, nil},
		{TopicSpec{Name: "assigned", Assignment: [][]int32{{1}, {1}}}, nil},
		{TopicSpec{Name: "", Partitions: 1, ReplicationFactor: 1}, ErrInvalidTopic},
		{TopicSpec{Name: "..", Partitions: 1, ReplicationFactor: 1}, ErrInvalidTopic},
		{TopicSpec{Name: strings.Repeat("x", 250), Partitions: 1, ReplicationFactor: 1}, ErrInvalidTopic},
		{TopicSpec{Name: "a*b", Partitions: 1, ReplicationFactor: 1}, ErrInvalidTopic},
		{TopicSpec{Name: "metrics_cpu", Partitions: 1, ReplicationFactor: 1}, ErrInvalidTopic},
		{TopicSpec{Name: "metrics.cpu", Partitions: 1, ReplicationFactor: 1}, ErrTopicExists},
		{TopicSpec{Name: "p0", Partitions: 0, ReplicationFactor: 1}, ErrInvalidPartitions},
		{TopicSpec{Name: "p-1", Partitions: -1, ReplicationFactor: 1}, ErrInvalidPartitions},
		{TopicSpec{Name: "huge", Partitions: MaxNewPartitions + 1, ReplicationFactor: 1}, ErrInvalidPartitions},
		{TopicSpec{Name: "rf0", Partitions: 1, ReplicationFactor: 0}, ErrInvalidReplicationFactor},
		{TopicSpec{Name: "rf3", Partitions: 1, ReplicationFactor: 3}, ErrInvalidReplicationFactor},
		{TopicSpec{Name: "a1", Assignment: [][]int32{{2}}}, ErrInvalidReplicaAssignment},
		{TopicSpec{Name: "a2", Assignment: [][]int32{{1, 1}}}, ErrInvalidReplicaAssignment},
		{TopicSpec{Name: "a3", Assignment: [][]int32{{1}, {}}}, ErrInvalidReplicaAssignment},
		{TopicSpec{Name: "cfg", Partitions: 1, ReplicationFactor: 1, Configs: map[string]string{"": "x"}}, ErrInvalidRequest},
	}
	for _, tc := range specs {
		verr := c.ValidateTopic(tc.spec)
		if !errors.Is(verr, tc.want) || (tc.want == nil) != (verr == nil) {
			t.Errorf("ValidateTopic(%.40s) = %v, want %v", tc.spec.Name, verr, tc.want)
		}
		offset := c.Image().Offset
		_, cerr := c.CreateTopic(context.Background(), tc.spec)
		if fmt.Sprint(cerr) != fmt.Sprint(verr) {
			t.Errorf("%.40s: CreateTopic = %v, ValidateTopic = %v", tc.spec.Name, cerr, verr)
		}
		if cerr != nil && c.Image().Offset != offset {
			t.Errorf("%.40s: a refused CreateTopic reached the log", tc.spec.Name)
		}
	}
	if err := c.ValidateTopic(TopicSpec{Name: "ok", Partitions: 1, ReplicationFactor: 1}); !errors.Is(err, ErrTopicExists) {
		t.Errorf("ValidateTopic after CreateTopic = %v", err)
	}
	if err := c.CreatePartitions(context.Background(), "ok", 4, nil, true); err != nil {
		t.Errorf("validate-only CreatePartitions = %v", err)
	}
	if tp, _ := c.Image().Topic("ok"); len(tp.Partitions) != 2 {
		t.Errorf("validate-only CreatePartitions applied: %d partitions", len(tp.Partitions))
	}
}

func TestCreatePartitionsErrors(t *testing.T) {
	c := openBroker(t, testConfig(t.TempDir()))
	ctx := context.Background()
	if _, err := c.CreateTopic(ctx, TopicSpec{Name: "t", Partitions: 3, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		topic      string
		count      int32
		assignment [][]int32
		want       error
		msg        string
	}{
		{"missing topic", "nope", 4, nil, ErrUnknownTopic, "does not exist"},
		{"decrease", "t", 2, nil, ErrInvalidPartitions, "topic currently has 3 partitions, 2 would not be an increase"},
		{"same", "t", 3, nil, ErrInvalidPartitions, "already has 3 partitions"},
		{"short assignment", "t", 5, [][]int32{{1}}, ErrInvalidReplicaAssignment, "by 2 but 1 assignments"},
		{"unknown broker", "t", 4, [][]int32{{2}}, ErrInvalidReplicaAssignment, "unknown broker 2"},
	}
	for _, tc := range tests {
		for _, validateOnly := range []bool{true, false} {
			err := c.CreatePartitions(ctx, tc.topic, tc.count, tc.assignment, validateOnly)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("%s (validate only %v): %v, want %v with %q", tc.name, validateOnly, err, tc.want, tc.msg)
			}
		}
	}
	if err := c.CreatePartitions(ctx, "t", 4, [][]int32{{1}}, false); err != nil {
		t.Fatal(err)
	}
	if tp, _ := c.Image().Topic("t"); len(tp.Partitions) != 4 || tp.Partitions[3].Leader != 1 {
		t.Errorf("partitions = %+v", tp.Partitions)
	}
}

func TestDeleteTopicErrors(t *testing.T) {
	c := openBroker(t, testConfig(t.TempDir()))
	ctx := context.Background()
	if err := c.DeleteTopic(ctx, "nope"); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("delete missing = %v", err)
	}
	if _, err := c.CreateTopic(ctx, TopicSpec{Name: "__consumer_offsets", Partitions: 1, ReplicationFactor: 1, Internal: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteTopic(ctx, "__consumer_offsets"); !errors.Is(err, ErrInvalidTopic) {
		t.Errorf("delete internal = %v", err)
	}
	if err := c.SetTopicConfigs(ctx, "nope", nil); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("configs of missing = %v", err)
	}
}

func TestProposalContext(t *testing.T) {
	c := openBroker(t, testConfig(t.TempDir()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.AllocateProducerIDs(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled proposal = %v", err)
	}
	if c.Image().NextProducerID != 0 {
		t.Error("a proposal cancelled before it started was applied")
	}
}

func TestClosed(t *testing.T) {
	c, err := Open(testConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	ctx := context.Background()
	checks := map[string]error{
		"RegisterBroker":      c.RegisterBroker(ctx, Broker{ID: 1, Host: "h", Port: 1}),
		"DeleteTopic":         c.DeleteTopic(ctx, "t"),
		"ValidateTopic":       c.ValidateTopic(TopicSpec{Name: "t", Partitions: 1, ReplicationFactor: 1}),
		"CreatePartitions":    c.CreatePartitions(ctx, "t", 2, nil, false),
		"SetTopicConfigs":     c.SetTopicConfigs(ctx, "t", nil),
		"SetBrokerConfigs":    c.SetBrokerConfigs(ctx, nil),
		"propose after close": func() error { _, err := c.propose(ctx, &allocateProducerIDs{Count: 1}); return err }(),
	}
	_, checks["CreateTopic"] = c.CreateTopic(ctx, TopicSpec{Name: "t", Partitions: 1, ReplicationFactor: 1})
	_, checks["AllocateProducerIDs"] = c.AllocateProducerIDs(ctx, 1)
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if c.Image() == nil {
		t.Error("Image after Close is nil")
	}
}

func TestSecondOpenOnSameDirFails(t *testing.T) {
	cfg := testConfig(t.TempDir())
	open(t, cfg)
	if c, err := Open(cfg); err == nil {
		c.Close()
		t.Fatal("a second controller opened the same directory")
	}
}

func TestOpenRefusesForeignNode(t *testing.T) {
	cfg := testConfig(t.TempDir())
	c := open(t, cfg)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	cfg.NodeID = 2
	if c, err := Open(cfg); !errors.Is(err, ErrConfig) {
		if err == nil {
			c.Close()
		}
		t.Fatalf("node 2 opened node 1's quorum: %v", err)
	}
}

func TestTCPTransportSingleVoter(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.RaftAddr = "127.0.0.1:0"
	cfg.ElectionTimeout = 100 * time.Millisecond
	c := openBroker(t, cfg)
	if _, err := c.CreateTopic(context.Background(), TopicSpec{Name: "t", Partitions: 1, ReplicationFactor: 1}); err != nil {
		t.Fatal(err)
	}
	want := encoded(t, c.Image())
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	// The port differs on reopen; a single voter does not mind.
	c2 := open(t, cfg)
	if got := encoded(t, c2.Image()); got != want {
		t.Fatalf("reopened image differs:\ngot  %s\nwant %s", got, want)
	}
}

func TestRaftErrorMapping(t *testing.T) {
	tests := []struct {
		in   error
		want error
	}{
		{raft.ErrNotLeader, ErrNotController},
		{raft.ErrLeadershipLost, ErrNotController},
		{raft.ErrLeadershipTransferInProgress, ErrNotController},
		{raft.ErrRaftShutdown, ErrClosed},
		{raft.ErrEnqueueTimeout, context.DeadlineExceeded},
	}
	for _, tc := range tests {
		if got := raftError(tc.in, false); !errors.Is(got, tc.want) || !errors.Is(got, tc.in) {
			t.Errorf("raftError(%v) = %v, want %v", tc.in, got, tc.want)
		}
		if got := raftError(tc.in, true); !errors.Is(got, ErrClosed) || errors.Is(got, ErrNotController) {
			t.Errorf("raftError(%v) while closing = %v, want ErrClosed only", tc.in, got)
		}
	}
	if raftError(nil, true) != nil {
		t.Error("raftError(nil) != nil")
	}
}

func TestCloseWithProposalsInFlight(t *testing.T) {
	baseline := runtime.NumGoroutine()
	c, err := Open(testConfig(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RegisterBroker(context.Background(), Broker{ID: 1, Host: "h", Port: 1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	started := make(chan struct{}, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				_, err := c.CreateTopic(context.Background(), TopicSpec{Name: fmt.Sprintf("w%d-%d", w, i), Partitions: 1, ReplicationFactor: 1})
				if i == 0 {
					started <- struct{}{}
				}
				if err != nil {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("proposal during Close = %v, want ErrClosed", err)
					}
					return
				}
			}
		})
	}
	for range 4 {
		<-started
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= baseline })
}
