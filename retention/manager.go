package retention

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Errors returned by a Manager.
var (
	ErrUnknownPartition = errors.New("retention: unknown partition")
	ErrClosed           = errors.New("retention: manager closed")
	ErrStarted          = errors.New("retention: manager already started")
)

// Partition is the manager's view of one partition log.
//
// The manager calls a Partition's methods from its background goroutine and
// from callers of Enforce and EnforceAll, one enforcement at a time per
// registration, but concurrently with everything else the log does
// (appends, segment rolls, fetches); implementations must be safe for that.
// The methods must not call the Manager's Add or Remove, which wait for the
// enforcement in progress; calling Trigger is fine.
type Partition interface {
	// RetentionSegments returns a snapshot of the log's local segments,
	// oldest first, the active segment last. The caller may keep it; later
	// changes to the log must not show through it.
	RetentionSegments() []Segment

	// DeleteSegmentsBefore removes every sealed segment whose NextOffset is
	// at most offset, never the active segment, and then raises the log
	// start offset to the BaseOffset of the first remaining segment if it
	// is below it; it never lowers the log start offset. It returns how many
	// segments it removed. It is idempotent: calling it again with the same
	// or a smaller offset removes nothing and returns 0 and no error. On an
	// error, deleted counts the segments removed before it, and the call may
	// be retried. Keeping a removed segment readable for fetches already
	// reading it is the log's concern.
	DeleteSegmentsBefore(offset int64) (deleted int, err error)
}

// Manager enforces retention on the partitions registered with it: every
// Config.CheckInterval in one background goroutine once started, soon after
// Trigger, and synchronously through Enforce and EnforceAll. Enforcement of
// one partition never runs concurrently with another enforcement of the same
// partition, and one partition's failure is logged and counted without
// stopping the others. Its methods are safe for concurrent use.
type Manager struct {
	interval time.Duration
	now      func() time.Time
	log      *slog.Logger
	stats    counters
	wake     chan struct{} // holds one token while triggers are pending

	mu      sync.Mutex
	parts   map[string]*entry
	pending map[string]struct{} // triggered partitions
	cancel  func()              // stops the loop; set by Start
	done    chan struct{}       // closed when the loop exits; set by Start
	closed  bool
}

// entry is one registration of a partition.
type entry struct {
	name   string
	part   Partition
	policy func() Policy // nil for a tiered registration
	// remote and tieredPolicy are set for a tiered registration.
	remote       Remote
	tieredPolicy func() TieredPolicy
	// backlog is the upload backlog in bytes found by the last enforcement.
	backlog atomic.Int64

	mu      sync.Mutex // held for the length of one enforcement
	removed bool       // guarded by mu
}

// New returns a Manager configured by cfg. It enforces nothing until
// partitions are added, and runs no goroutine until Start.
func New(cfg Config) (*Manager, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := &Manager{
		interval: cfg.CheckInterval,
		now:      cfg.Now,
		log:      cfg.Logger,
		wake:     make(chan struct{}, 1),
		parts:    make(map[string]*entry),
		pending:  make(map[string]struct{}),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	return m, nil
}

// Add registers partition p under name. policy is called at every
// enforcement, so changes to the topic's configuration take effect at the
// next one. A registration already under name is replaced as if by Remove.
// Add panics if p or policy is nil.
func (m *Manager) Add(name string, p Partition, policy func() Policy) {
	if p == nil || policy == nil {
		panic("retention: Add with a nil partition or policy")
	}
	m.add(&entry{name: name, part: p, policy: policy})
}

// add registers e, replacing and retiring a registration of the same name.
func (m *Manager) add(e *entry) {
	name := e.name
	m.mu.Lock()
	old := m.parts[name]
	m.parts[name] = e
	m.mu.Unlock()
	if old != nil {
		old.retire()
	}
}

// Remove unregisters the partition under name, if any. It waits for an
// enforcement of that partition in progress; once it returns, the manager
// makes no further calls on the partition.
func (m *Manager) Remove(name string) {
	m.mu.Lock()
	e := m.parts[name]
	delete(m.parts, name)
	delete(m.pending, name)
	m.mu.Unlock()
	if e != nil {
		e.retire()
	}
}

// retire waits for the entry's enforcement in progress and prevents any
// later one.
func (e *entry) retire() {
	e.mu.Lock()
	e.removed = true
	e.mu.Unlock()
}

// Trigger asks for an enforcement of the partition under name soon, in the
// background loop; the log calls it whenever it rolls a segment. It never
// blocks. Triggers before Start are served once the loop starts; triggers
// for unknown partitions and after Close are ignored. Triggers that arrive
// while one is pending coalesce.
func (m *Manager) Trigger(name string) {
	m.mu.Lock()
	_, known := m.parts[name]
	if !known || m.closed {
		m.mu.Unlock()
		return
	}
	m.pending[name] = struct{}{}
	m.mu.Unlock()
	select {
	case m.wake <- struct{}{}:
	default: // a wake-up is already pending and will see this trigger
	}
}

// Stats returns the manager's counters.
func (m *Manager) Stats() Stats { return m.stats.snapshot() }

// lookup returns the registration under name, or nil.
func (m *Manager) lookup(name string) *entry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.parts[name]
}

// entries returns every registration, ordered by name.
func (m *Manager) entries() []*entry {
	m.mu.Lock()
	es := make([]*entry, 0, len(m.parts))
	for _, e := range m.parts {
		es = append(es, e)
	}
	m.mu.Unlock()
	return sortByName(es)
}

// takePending returns the triggered registrations, ordered by name, and
// clears the triggers.
func (m *Manager) takePending() []*entry {
	m.mu.Lock()
	es := make([]*entry, 0, len(m.pending))
	for name := range m.pending {
		if e := m.parts[name]; e != nil {
			es = append(es, e)
		}
	}
	clear(m.pending)
	m.mu.Unlock()
	return sortByName(es)
}

func sortByName(es []*entry) []*entry {
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.name, b.name) })
	return es
}

// errRemoved is the error of an enforcement that found its registration
// removed; it is not a failure of the partition.
func errRemoved(name string) error {
	return fmt.Errorf("%w: %q", ErrUnknownPartition, name)
}
