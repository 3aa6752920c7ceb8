package handler

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
)

// The partitions the data-plane handlers serve from in production.
var _ Partitions = (*replication.Manager)(nil)

// dataCluster is a Cluster of one image and a producer id counter, for
// the data-plane API tests.
type dataCluster struct {
	Cluster // the methods these tests do not call; nil
	img     *controller.Image
	mu      struct {
		sync.Mutex
		next   int64 // the next producer id to allocate
		allocs int   // AllocateProducerIDs calls
		err    error // returned by AllocateProducerIDs when set
	}
}

func (c *dataCluster) Image() *controller.Image { return c.img }

func (c *dataCluster) AllocateProducerIDs(ctx context.Context, count int64) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.err != nil {
		return -1, c.mu.err
	}
	c.mu.allocs++
	first := c.mu.next
	c.mu.next += count
	return first, nil
}

// dataGroups stands in for the group coordinator, which these APIs do not
// use.
type (
	dataGroupsAPI = Groups
	dataGroups    struct{ dataGroupsAPI }
)

// dataTopic is a topic of n partitions led by node 1 at leader epoch 4.
func dataTopic(name string, id byte, n int) *controller.Topic {
	t := &controller.Topic{Name: name, ID: controller.TopicID{0xda, 15: id}}
	for i := range n {
		t.Partitions = append(t.Partitions, controller.Partition{Index: int32(i), Replicas: []int32{1},
			ISR: []int32{1}, Leader: 1, LeaderEpoch: 4})
	}
	return t
}

// dataServer is a Handler over real partitions (replication.Manager) in a
// temporary directory.
type dataServer struct {
	h       *Handler
	mgr     *replication.Manager
	cluster *dataCluster
}

func newDataServer(t *testing.T, topics ...*controller.Topic) *dataServer {
	t.Helper()
	img := &controller.Image{Offset: 1, ClusterID: "data-test", Topics: map[string]*controller.Topic{},
		Brokers: map[int32]controller.Broker{1: {ID: 1, Host: "127.0.0.1", Port: 9092}}}
	for _, tp := range topics {
		img.Topics[tp.Name] = tp
	}
	mc := replication.DefaultManagerConfig(t.TempDir())
	mc.NodeID = 1
	mc.ProducerIDExpirationCheckIntervalMs = -1
	mgr, err := replication.NewManager(mc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mgr.Close() })
	if err := mgr.Apply(img); err != nil {
		t.Fatal(err)
	}
	s := &dataServer{mgr: mgr, cluster: &dataCluster{img: img}}
	s.cluster.mu.next = 5000
	s.h, err = New(Deps{NodeID: 1, Cluster: s.cluster, Partitions: mgr, Groups: dataGroups{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.h.Close() })
	return s
}

// serve serves msg the way the wire layer would: the request is encoded
// and decoded at its version first, and the response encoded and decoded
// as a client reads it. A nil response (acks=0) is returned as the zero R.
func dataServe[R kmsg.Response](t *testing.T, s *dataServer, msg kmsg.Request) (R, error) {
	t.Helper()
	var zero R
	key, version := msg.Key(), msg.GetVersion()
	if !s.h.Versions().Supports(key, version) {
		t.Fatalf("%s v%d is not advertised", kmsg.NameForKey(key), version)
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if err := req.ReadFrom(msg.AppendTo(nil)); err != nil {
		t.Fatalf("decode %s v%d: %v", kmsg.NameForKey(key), version, err)
	}
	resp, err := s.h.Serve(context.Background(), &wire.Request{Key: key, Version: version, Msg: req})
	if err != nil || resp == nil {
		return zero, err
	}
	if d, ok := resp.(wire.Deferred); ok {
		d.Await(context.Background()) // as the connection's writer does
	}
	resp.SetVersion(version)
	out := kmsg.ResponseForKey(key)
	out.SetVersion(version)
	if err := out.ReadFrom(resp.AppendTo(nil)); err != nil {
		t.Fatalf("decode %s v%d response: %v", kmsg.NameForKey(key), version, err)
	}
	return out.(R), nil
}

// mustDataServe is dataServe for requests that must get a response.
func mustDataServe[R kmsg.Response](t *testing.T, s *dataServer, msg kmsg.Request) R {
	t.Helper()
	resp, err := dataServe[R](t, s, msg)
	if err != nil {
		t.Fatalf("serve %s: %v", kmsg.NameForKey(msg.Key()), err)
	}
	if any(resp) == nil {
		t.Fatalf("serve %s: no response", kmsg.NameForKey(msg.Key()))
	}
	return resp
}

var errAllocate = errors.New("controller unavailable")
