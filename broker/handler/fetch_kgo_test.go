package handler

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// fetchServer is a broker reduced to what a consumer needs: real
// partitions (replication.Manager), this package's Handler for Fetch, and
// a Metadata answer of its own (the cluster here is a bare image), behind
// a wire.Server on loopback.
type fetchServer struct {
	addr    string
	img     *controller.Image
	mgr     *replication.Manager
	handler *Handler
}

// startFetchServer serves topic with partitions partitions, each led by
// node 0.
func startFetchServer(t *testing.T, topic string, partitions int) *fetchServer {
	t.Helper()
	mgr, err := replication.NewManager(replication.ManagerConfig{DataDir: t.TempDir(), ProducerIDExpirationCheckIntervalMs: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	tp := &controller.Topic{Name: topic, ID: fetchTopicID(topic)}
	for i := range partitions {
		tp.Partitions = append(tp.Partitions, controller.Partition{Index: int32(i), Replicas: []int32{0}, ISR: []int32{0}, Leader: 0})
	}
	s := &fetchServer{mgr: mgr, img: &controller.Image{ClusterID: "fetch-test", Topics: map[string]*controller.Topic{topic: tp}}}
	if err := mgr.Apply(s.img); err != nil {
		t.Fatal(err)
	}
	s.handler, err = New(Deps{Cluster: fetchTestCluster{img: s.img}, Partitions: mgr, Groups: fetchTestGroups{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.handler.Close() })
	s.listen(t)
	return s
}

// listen starts the wire server on 127.0.0.1:0; it is closed when the test
// ends.
func (s *fetchServer) listen(t *testing.T) {
	t.Helper()
	keys := s.handler.Versions().ApiKeys()
	if _, _, ok := s.handler.Versions().Lookup(kmsg.Metadata.Int16()); !ok {
		keys = append(keys, kmsg.ApiVersionsResponseApiKey{ApiKey: kmsg.Metadata.Int16(), MinVersion: 0, MaxVersion: 12})
	}
	versions, err := wire.NewVersions(keys...)
	if err != nil {
		t.Fatal(err)
	}
	cfg := wire.DefaultConfig()
	cfg.Versions = versions
	srv, err := wire.NewServer(cfg, wire.HandlerFunc(func(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
		switch req.Msg.(type) {
		case *kmsg.ApiVersionsRequest:
			resp := kmsg.NewPtrApiVersionsResponse()
			resp.ApiKeys = versions.ApiKeys()
			return resp, nil
		case *kmsg.MetadataRequest:
			return s.metadata(), nil
		}
		return s.handler.Serve(ctx, req)
	}))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-served; !errors.Is(err, wire.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
	})
}

// metadata describes the one broker and its topics.
func (s *fetchServer) metadata() *kmsg.MetadataResponse {
	host, portStr, _ := net.SplitHostPort(s.addr)
	port, _ := strconv.Atoi(portStr)
	resp := kmsg.NewPtrMetadataResponse()
	b := kmsg.NewMetadataResponseBroker()
	b.NodeID, b.Host, b.Port = 0, host, int32(port)
	resp.Brokers = append(resp.Brokers, b)
	resp.ClusterID, resp.ControllerID = kmsg.StringPtr(s.img.ClusterID), 0
	for name, tp := range s.img.Topics {
		rt := kmsg.NewMetadataResponseTopic()
		rt.Topic, rt.TopicID = kmsg.StringPtr(name), tp.ID
		for _, p := range tp.Partitions {
			rp := kmsg.NewMetadataResponseTopicPartition()
			rp.Partition, rp.Leader, rp.LeaderEpoch, rp.Replicas, rp.ISR = p.Index, p.Leader, p.LeaderEpoch, p.Replicas, p.ISR
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Topics = append(resp.Topics, rt)
	}
	return resp
}

// produce appends a batch of n records to topic/partition through the
// partition, as Produce would, and returns the record values.
func (s *fetchServer) produce(t *testing.T, topic string, partition int32, n int) []string {
	t.Helper()
	p, err := s.mgr.Partition(topic, partition)
	if err != nil {
		t.Fatal(err)
	}
	var values []string
	records := make([]batchtest.Record, n)
	for i := range records {
		v := fmt.Sprintf("%s-%d-%d-%d", topic, partition, p.HighWatermark(), i)
		records[i] = batchtest.Record{Value: []byte(v), TimestampDelta: int64(i)}
		values = append(values, v)
	}
	if _, err := p.Produce(fetchContextT(t), batchtest.Build(records, batchtest.Options{BaseTimestamp: 1}), -1); err != nil {
		t.Fatal(err)
	}
	return values
}

// A franz-go consumer reads what the partitions hold, over a real socket,
// with fetch sessions, and long-polls for what comes next.
func TestFetchKgoConsumer(t *testing.T) {
	s := startFetchServer(t, "events", 3)
	want := map[string]bool{}
	for p := range int32(3) {
		for range 4 {
			for _, v := range s.produce(t, "events", p, 50) {
				want[v] = true
			}
		}
	}
	offsets := map[int32]kgo.Offset{}
	for p := range int32(3) {
		offsets[p] = kgo.NewOffset().At(0)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(s.addr), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"events": offsets}),
		kgo.FetchMaxPartitionBytes(4<<10)) // several fetches, so sessions go incremental
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	consume(t, cl, want)

	// The consumer now waits in a long poll; new records wake it.
	later := map[string]bool{}
	for _, v := range s.produce(t, "events", 1, 3) {
		later[v] = true
	}
	consume(t, cl, later)
}

// consume polls cl until it has every value in want, failing on an
// unexpected record or error.
func consume(t *testing.T, cl *kgo.Client, want map[string]bool) {
	t.Helper()
	ctx := fetchContextT(t)
	for len(want) > 0 {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("%d records never came", len(want))
		}
		for _, e := range fetches.Errors() {
			t.Fatalf("fetch error: %s/%d: %v", e.Topic, e.Partition, e.Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if !want[string(r.Value)] {
				t.Fatalf("unexpected record %q at %d", r.Value, r.Offset)
			}
			delete(want, string(r.Value))
		})
	}
}
