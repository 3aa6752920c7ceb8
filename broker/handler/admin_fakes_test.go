package handler

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
	"github.com/strata-streaming/strata/replication/controller"
)

// The real controller is what the handlers serve from in production.
var _ Cluster = (*controller.Controller)(nil)

// adminCluster is an in-memory Cluster for the metadata and admin API
// tests: it keeps an image and applies the controller's main checks,
// returning its sentinels. Its images are not indexed by topic id, so
// lookups by id find nothing; the tests with the real controller cover
// those.
type adminCluster struct {
	Cluster // the methods the admin APIs do not call; nil
	mu      struct {
		sync.Mutex
		img     *controller.Image
		nextID  byte
		creates []controller.TopicSpec
		err     error // returned by every command when incSet
		block   bool  // CreateTopic waits for its context to end
	}
}

func newAdminCluster(brokers ...int32) *adminCluster {
	c := &adminCluster{}
	img := &controller.Image{
		ClusterID:     "strata-test",
		ControllerID:  brokers[0],
		Brokers:       map[int32]controller.Broker{},
		Topics:        map[string]*controller.Topic{},
		BrokerConfigs: map[string]string{},
	}
	for _, id := range brokers {
		img.Brokers[id] = controller.Broker{ID: id, Host: "127.0.0.1", Port: 9090 + id}
	}
	c.mu.img = img
	return c
}

func (c *adminCluster) Image() *controller.Image {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.img
}

// next returns a copy of the image to change and publish.
func (c *adminCluster) next() *controller.Image {
	img := *c.mu.img
	img.Topics = maps.Clone(img.Topics)
	img.BrokerConfigs = maps.Clone(img.BrokerConfigs)
	return &img
}

func (c *adminCluster) failWith(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mu.err = err
}

func (c *adminCluster) createdSpecs() []controller.TopicSpec {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.mu.creates)
}

// addTopic puts a topic straight into the image, with replicas placed
// round robin, for tests that need one to exist.
func (c *adminCluster) addTopic(name string, partitions, rf int, configs map[string]string) *controller.Topic {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addLocked(controller.TopicSpec{Name: name, Partitions: int32(partitions), ReplicationFactor: int16(rf), Configs: configs})
}

func (c *adminCluster) addLocked(spec controller.TopicSpec) *controller.Topic {
	c.mu.nextID++
	t := &controller.Topic{Name: spec.Name, ID: controller.TopicID{15: c.mu.nextID}, Configs: spec.Configs,
		Internal: spec.Internal || internalTopicNames[spec.Name]}
	ids := c.mu.img.BrokerIDs()
	assignment := spec.Assignment
	for p := 0; len(spec.Assignment) == 0 && p < int(spec.Partitions); p++ {
		var rs []int32
		for r := 0; r < int(spec.ReplicationFactor); r++ {
			rs = append(rs, ids[(p+r)%len(ids)])
		}
		assignment = append(assignment, rs)
	}
	for p, rs := range assignment {
		t.Partitions = append(t.Partitions, controller.Partition{Index: int32(p), Replicas: rs, ISR: rs, Leader: rs[0], LeaderEpoch: 3})
	}
	img := c.next()
	img.Topics[t.Name] = t
	c.mu.img = img
	return t
}

func (c *adminCluster) check(spec controller.TopicSpec) error {
	if c.mu.err != nil {
		return c.mu.err
	}
	if err := checkTopicName(spec.Name); err != nil {
		return fmt.Errorf("%w: %v", controller.ErrInvalidTopic, err)
	}
	if _, ok := c.mu.img.Topics[spec.Name]; ok {
		return fmt.Errorf("%w: topic '%s' already exists", controller.ErrTopicExists, spec.Name)
	}
	if len(spec.Assignment) > 0 {
		for _, rs := range spec.Assignment {
			for _, id := range rs {
				if _, ok := c.mu.img.Brokers[id]; !ok {
					return fmt.Errorf("%w: unknown broker %d", controller.ErrInvalidReplicaAssignment, id)
				}
			}
		}
		return nil
	}
	if spec.Partitions < 1 {
		return fmt.Errorf("%w: number of partitions must be larger than 0", controller.ErrInvalidPartitions)
	}
	if rf, n := int(spec.ReplicationFactor), len(c.mu.img.Brokers); rf < 1 || rf > n {
		return fmt.Errorf("%w: replication factor: %d larger than available brokers: %d", controller.ErrInvalidReplicationFactor, rf, n)
	}
	return nil
}

func (c *adminCluster) CreateTopic(ctx context.Context, spec controller.TopicSpec) (*controller.Topic, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mu.block {
		c.mu.Unlock()
		<-ctx.Done()
		c.mu.Lock()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := c.check(spec); err != nil {
		return nil, err
	}
	c.mu.creates = append(c.mu.creates, spec)
	return c.addLocked(spec), nil
}

func (c *adminCluster) ValidateTopic(spec controller.TopicSpec) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.check(spec)
}

func (c *adminCluster) DeleteTopic(_ context.Context, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.mu.img.Topics[name]
	switch {
	case c.mu.err != nil:
		return c.mu.err
	case !ok:
		return fmt.Errorf("%w: topic '%s' does not exist", controller.ErrUnknownTopic, name)
	case t.Internal:
		return fmt.Errorf("%w: cannot delete internal topic '%s'", controller.ErrInvalidTopic, name)
	}
	img := c.next()
	delete(img.Topics, name)
	c.mu.img = img
	return nil
}

func (c *adminCluster) CreatePartitions(_ context.Context, name string, count int32, assignment [][]int32, validateOnly bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.mu.img.Topics[name]
	switch {
	case !ok:
		return fmt.Errorf("%w: topic '%s' does not exist", controller.ErrUnknownTopic, name)
	case int(count) <= len(t.Partitions):
		return fmt.Errorf("%w: topic currently has %d partitions, which is higher than the requested %d",
			controller.ErrInvalidPartitions, len(t.Partitions), count)
	case len(assignment) > 0 && len(assignment) != int(count)-len(t.Partitions):
		return fmt.Errorf("%w: attempted to add %d new partitions, but only %d replica assignments were specified",
			controller.ErrInvalidReplicaAssignment, int(count)-len(t.Partitions), len(assignment))
	case validateOnly:
		return nil
	}
	nt := *t
	nt.Partitions = slices.Clone(t.Partitions)
	for p := len(t.Partitions); p < int(count); p++ {
		rs := []int32{c.mu.img.BrokerIDs()[0]}
		if len(assignment) > 0 {
			rs = assignment[p-len(t.Partitions)]
		}
		nt.Partitions = append(nt.Partitions, controller.Partition{Index: int32(p), Replicas: rs, ISR: rs, Leader: rs[0]})
	}
	img := c.next()
	img.Topics[name] = &nt
	c.mu.img = img
	return nil
}

func (c *adminCluster) SetTopicConfigs(_ context.Context, name string, configs map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.mu.img.Topics[name]
	if !ok {
		return fmt.Errorf("%w: topic '%s' does not exist", controller.ErrUnknownTopic, name)
	}
	nt := *t
	nt.Configs = maps.Clone(configs)
	img := c.next()
	img.Topics[name] = &nt
	c.mu.img = img
	return nil
}

func (c *adminCluster) SetBrokerConfigs(_ context.Context, configs map[string]string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	img := c.next()
	img.BrokerConfigs = maps.Clone(configs)
	c.mu.img = img
	return nil
}

// adminPartitions and adminGroups stand in for the data-plane and group
// dependencies, which the admin APIs never call. They embed the interfaces
// under other names, which cannot clash with a method.
type (
	adminPartitionsAPI = Partitions
	adminGroupsAPI     = Groups
	adminPartitions    struct{ adminPartitionsAPI }
	adminGroups        struct{ adminGroupsAPI }
)

// newAdminHandler builds a Handler for node 1 over cluster with the given
// static broker configs.
func newAdminHandler(t *testing.T, cluster Cluster, static map[string]string) *Handler {
	t.Helper()
	h, err := New(Deps{NodeID: 1, Cluster: cluster, Partitions: adminPartitions{}, Groups: adminGroups{}, Config: static})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// adminServe serves msg at its version the way the wire layer would: the
// request is encoded and decoded first, and the response is encoded and
// decoded as a client would read it.
func adminServe[R kmsg.Response](t *testing.T, h *Handler, msg kmsg.Request) R {
	t.Helper()
	key, version := msg.Key(), msg.GetVersion()
	if !h.Versions().Supports(key, version) {
		t.Fatalf("%s v%d is not advertised", kmsg.NameForKey(key), version)
	}
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	if err := req.ReadFrom(msg.AppendTo(nil)); err != nil {
		t.Fatalf("decode %s v%d: %v", kmsg.NameForKey(key), version, err)
	}
	resp, err := h.Serve(context.Background(), &wire.Request{Key: key, Version: version, Msg: req})
	if err != nil {
		t.Fatalf("serve %s v%d: %v", kmsg.NameForKey(key), version, err)
	}
	resp.SetVersion(version)
	out := kmsg.ResponseForKey(key)
	out.SetVersion(version)
	if err := out.ReadFrom(resp.AppendTo(nil)); err != nil {
		t.Fatalf("decode %s v%d response: %v", kmsg.NameForKey(key), version, err)
	}
	return out.(R)
}

// adminWireRequest wraps msg as the wire layer hands it to Serve, without
// the encoding round trip of adminServe.
func adminWireRequest(msg kmsg.Request) *wire.Request {
	return &wire.Request{Key: msg.Key(), Version: msg.GetVersion(), Msg: msg}
}
