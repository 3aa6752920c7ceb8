package replication

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/strata-streaming/strata/replication/controller"
)

// Manager owns this broker's partitions: it opens the ones the metadata
// assigns to it, deletes the data of removed topics, reconfigures
// partitions when their topic's configuration changes, and finds them for
// the request handlers. It is safe for concurrent use; lookups take no
// lock.
type Manager struct {
	cfg ManagerConfig
	env *env

	view atomic.Pointer[view]

	// applyMu serialises Apply and Close.
	applyMu sync.Mutex
	closed  bool // guarded by applyMu

	stop chan struct{}
	wg   sync.WaitGroup
}

type partKey struct {
	topic string
	index int32
}

type idKey struct {
	id    controller.TopicID
	index int32
}

// view is an immutable snapshot of the manager's partitions, replaced
// whole by Apply and Close.
type view struct {
	img     *controller.Image
	byName  map[partKey]*Partition
	byID    map[idKey]*Partition
	offline map[partKey]error
	topics  map[controller.TopicID]string // the image's topics by id
	closed  bool
}

// newView indexes parts under img.
func newView(img *controller.Image, parts []*Partition) *view {
	v := &view{img: img, byName: map[partKey]*Partition{}, byID: map[idKey]*Partition{},
		offline: map[partKey]error{}, topics: map[controller.TopicID]string{}}
	if img != nil {
		for name, t := range img.Topics {
			v.topics[t.ID] = name
		}
	}
	for _, p := range parts {
		v.add(p)
	}
	return v
}

func (v *view) add(p *Partition) {
	v.byName[partKey{p.topic, p.index}] = p
	v.byID[idKey{p.id, p.index}] = p
}

func (v *view) remove(p *Partition) {
	delete(v.byName, partKey{p.topic, p.index})
	delete(v.byID, idKey{p.id, p.index})
}

// NewManager validates cfg, creates the data directory and starts the
// producer expiration check. It opens nothing until the first Apply.
func NewManager(cfg ManagerConfig) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return nil, fmt.Errorf("replication: create data dir: %w", err)
	}
	now := cfg.Now
	m := &Manager{
		cfg:  cfg,
		env:  &env{log: cfg.Logger, now: func() int64 { return now().UnixMilli() }, onRoll: cfg.OnRoll},
		stop: make(chan struct{}),
	}
	m.view.Store(newView(nil, nil))
	if cfg.ProducerIDExpirationCheckIntervalMs > 0 {
		m.wg.Add(1)
		go m.expireLoop(time.Duration(cfg.ProducerIDExpirationCheckIntervalMs) * time.Millisecond)
	}
	return m, nil
}

// DataDir is the directory holding the partition directories.
func (m *Manager) DataDir() string { return m.cfg.DataDir }

// Partition returns the named partition if this broker leads it:
// ErrUnknownTopicOrPartition when the metadata does not know it,
// ErrNotLeader when another broker leads it, ErrOffline when its log could
// not be opened.
func (m *Manager) Partition(topic string, index int32) (*Partition, error) {
	v := m.view.Load()
	if p := v.byName[partKey{topic, index}]; p != nil {
		return p, v.leading(p)
	}
	return nil, v.missing(topic, index)
}

// PartitionByID is Partition for a topic named by id; an unknown id is
// ErrUnknownTopicID.
func (m *Manager) PartitionByID(id controller.TopicID, index int32) (*Partition, error) {
	v := m.view.Load()
	if p := v.byID[idKey{id, index}]; p != nil {
		return p, v.leading(p)
	}
	name, ok := v.topics[id]
	if !ok {
		if v.closed {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("%w: %s", ErrUnknownTopicID, encodeTopicID(id))
	}
	return nil, v.missing(name, index)
}

// leading is nil when this broker leads p.
func (v *view) leading(p *Partition) error {
	if !p.IsLeader() {
		return fmt.Errorf("%w: %s", ErrNotLeader, dirName(p.topic, p.index))
	}
	return nil
}

// missing explains why a partition is not open here.
func (v *view) missing(topic string, index int32) error {
	name := dirName(topic, index)
	if v.closed {
		return fmt.Errorf("%w: %s", ErrClosed, name)
	}
	if err := v.offline[partKey{topic, index}]; err != nil {
		return fmt.Errorf("%w: %s: %v", ErrOffline, name, err)
	}
	if v.img != nil {
		if _, _, ok := v.img.Partition(topic, index); ok {
			return fmt.Errorf("%w: %s is not hosted here", ErrNotLeader, name)
		}
	}
	return fmt.Errorf("%w: %s", ErrUnknownTopicOrPartition, name)
}

// Partitions returns the open partitions in topic and index order.
func (m *Manager) Partitions() []*Partition {
	v := m.view.Load()
	parts := make([]*Partition, 0, len(v.byName))
	for _, p := range v.byName {
		parts = append(parts, p)
	}
	slices.SortFunc(parts, func(a, b *Partition) int {
		if c := strings.Compare(a.topic, b.topic); c != 0 {
			return c
		}
		return int(a.index) - int(b.index)
	})
	return parts
}

// ExpireProducers drops, in every partition, the state of idempotent
// producers idle for longer than producer.id.expiration.ms, and returns
// how many it dropped. The manager calls it every
// producer.id.expiration.check.interval.ms.
func (m *Manager) ExpireProducers() int {
	now := m.env.now()
	n := 0
	for _, p := range m.Partitions() {
		n += p.expireProducers(now, m.cfg.ProducerIDExpirationMs)
	}
	return n
}

func (m *Manager) expireLoop(interval time.Duration) {
	defer m.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
			if n := m.ExpireProducers(); n > 0 {
				m.cfg.Logger.Debug("replication: expired idle producers", "count", n)
			}
		}
	}
}

// Close closes every partition cleanly (see Partition.close) and stops
// the expiration check. Lookups fail with ErrClosed afterwards.
func (m *Manager) Close() error {
	m.applyMu.Lock()
	defer m.applyMu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	close(m.stop)
	m.wg.Wait()
	parts := m.Partitions()
	closed := newView(nil, nil)
	closed.closed = true
	m.view.Store(closed)
	var errs []error
	for _, p := range parts {
		m.hook(m.cfg.OnClose, p)
		if err := p.close(false); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", p.dir, err))
		}
	}
	return errors.Join(errs...)
}

// hook calls an OnOpen or OnClose hook, if set.
func (m *Manager) hook(fn func(*Partition), p *Partition) {
	if fn != nil {
		fn(p)
	}
}

// partitionDir is the directory of a partition.
func (m *Manager) partitionDir(topic string, index int32) string {
	return filepath.Join(m.cfg.DataDir, dirName(topic, index))
}
