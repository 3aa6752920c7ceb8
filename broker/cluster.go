package broker

import (
	"context"
	"fmt"
	"sync"

	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
)

// metadata applies controller images to this broker's partitions, once
// each, in order. Both the watch loop and admin commands go through it.
type metadata struct {
	ctrl  *controller.Controller
	parts *replication.Manager
	// afterApply, when set, runs after each image is applied, in order.
	afterApply func(*controller.Image)

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
	err := m.parts.Apply(img)
	if m.afterApply != nil {
		m.afterApply(img)
	}
	if err != nil {
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
	meta    *metadata
	tiering *tiering // nil when tiered storage is off
}

func (c cluster) after(err error) error {
	if err != nil {
		return err
	}
	return c.meta.sync()
}

// CreateTopic creates a topic; one whose configs ask for recovery from the
// object store takes its id, partitions and configs from the bucket.
func (c cluster) CreateTopic(ctx context.Context, spec controller.TopicSpec) (*controller.Topic, error) {
	if err := c.prepare(ctx, &spec); err != nil {
		return nil, err
	}
	t, err := c.Controller.CreateTopic(ctx, spec)
	return t, c.after(err)
}

// DeleteTopic records that the topic's remote data is to be deleted
// before the controller deletes it, so that no crash leaves the data in
// the bucket for good.
// ValidateTopic checks a topic spec as CreateTopic would.
func (c cluster) ValidateTopic(spec controller.TopicSpec) error {
	if err := c.prepare(context.Background(), &spec); err != nil {
		return err
	}
	return c.Controller.ValidateTopic(spec)
}

// prepare fills in a recovered topic's spec from the object store.
func (c cluster) prepare(ctx context.Context, spec *controller.TopicSpec) error {
	if !isRecovery(spec.Configs) {
		return nil
	}
	if c.tiering == nil {
		return fmt.Errorf("%w: %s needs tiered storage (remote.log.storage.system.enable)", ErrNothingToRestore, spec.Name)
	}
	return c.tiering.recoverSpec(ctx, spec)
}

func (c cluster) DeleteTopic(ctx context.Context, name string) error {
	if t, ok := c.Controller.Image().Topic(name); ok && c.tiering != nil {
		if err := c.tiering.deleter.mark(t); err != nil {
			return err
		}
	}
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
