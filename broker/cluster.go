package broker

import (
	"context"
	"sync"

	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
)

// metadata applies controller images to this broker's partitions, once
// each, in order. Both the watch loop and admin commands go through it.
type metadata struct {
	ctrl  *controller.Controller
	parts *replication.Manager

	mu      sync.Mutex
	applied uint64 // offset of the last image applied
}

// sync applies the current image unless it was applied already.
func (m *metadata) sync() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	img := m.ctrl.Image()
	if img.Offset != 0 && img.Offset <= m.applied {
		return nil
	}
	if err := m.parts.Apply(img); err != nil {
		return err
	}
	m.applied = img.Offset
	return nil
}

// cluster is the controller as the handlers see it, with read-your-writes
// on this broker: a topic command returns once this broker's partitions
// reflect it, so a client that created a topic can produce to it at once.
type cluster struct {
	*controller.Controller
	meta *metadata
}

func (c cluster) after(err error) error {
	if err != nil {
		return err
	}
	return c.meta.sync()
}

func (c cluster) CreateTopic(ctx context.Context, spec controller.TopicSpec) (*controller.Topic, error) {
	t, err := c.Controller.CreateTopic(ctx, spec)
	return t, c.after(err)
}

func (c cluster) DeleteTopic(ctx context.Context, name string) error {
	return c.after(c.Controller.DeleteTopic(ctx, name))
}

func (c cluster) CreatePartitions(ctx context.Context, name string, count int32, assignment [][]int32, validateOnly bool) error {
	err := c.Controller.CreatePartitions(ctx, name, count, assignment, validateOnly)
	if validateOnly {
		return err
	}
	return c.after(err)
}

func (c cluster) SetTopicConfigs(ctx context.Context, name string, configs map[string]string) error {
	return c.after(c.Controller.SetTopicConfigs(ctx, name, configs))
}

func (c cluster) SetBrokerConfigs(ctx context.Context, configs map[string]string) error {
	return c.after(c.Controller.SetBrokerConfigs(ctx, configs))
}
