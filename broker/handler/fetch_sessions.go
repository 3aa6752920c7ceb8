package handler

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication/controller"
)

// Incremental fetch sessions (KIP-227).
//
// A consumer that fetches the same partitions over and over may open a
// session: its first request (epoch 0) lists every partition and gets a
// session id back; each later request names the session, carries the next
// epoch and lists only the partitions whose parameters changed (plus the
// ones to forget), and its response leaves out the partitions with nothing
// new. Epoch -1 fetches without a session, and closes the one named, if any.
//
// The cache is shared by every connection and bounded twice: by the number
// of sessions (max.incremental.fetch.session.cache.slots) and by the number
// of partitions they hold together, which bounds its memory. When it is full
// a new session may evict one that has been idle past the eviction age or,
// failing that, a smaller one older than the eviction age, as Kafka does;
// otherwise the new request is served without a session (session id 0).
//
// Lock order: fetchSessionCache.mu before fetchSession.mu.

// Session epochs and ids with a meaning of their own.
const (
	fetchSessionless   int32 = -1 // a full fetch outside any session
	fetchSessionCreate int32 = 0  // a full fetch that opens a session
	fetchNoSession     int32 = 0  // no session
)

// Kafka's config name and defaults for the cache.
const (
	fetchSessionSlotsConfig       = "max.incremental.fetch.session.cache.slots"
	defaultFetchSessionSlots      = 1000
	defaultFetchSessionPartitions = 100_000
	fetchSessionEvictionAge       = 120 * time.Second // fixed in Kafka too
)

// fetchSessionConfig bounds the fetch session cache.
type fetchSessionConfig struct {
	// Slots is the most sessions cached
	// (max.incremental.fetch.session.cache.slots); 0 disables sessions.
	Slots int
	// MaxPartitions is the most partitions all sessions hold together.
	MaxPartitions int
	// EvictionAge is how long a session must be idle before any new
	// session may evict it, and how old before a larger one may.
	EvictionAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// defaultFetchSessionConfig returns Kafka's defaults.
func defaultFetchSessionConfig() fetchSessionConfig {
	return fetchSessionConfig{
		Slots:         defaultFetchSessionSlots,
		MaxPartitions: defaultFetchSessionPartitions,
		EvictionAge:   fetchSessionEvictionAge,
	}
}

// Validate reports the first invalid setting.
func (c *fetchSessionConfig) Validate() error {
	switch {
	case c.Slots < 0:
		return fmt.Errorf("handler: %s %d must not be negative", fetchSessionSlotsConfig, c.Slots)
	case c.MaxPartitions < 0:
		return fmt.Errorf("handler: fetch session partitions %d must not be negative", c.MaxPartitions)
	case c.EvictionAge <= 0:
		return fmt.Errorf("handler: fetch session eviction age %v must be positive", c.EvictionAge)
	}
	return nil
}

// fetchSessionConfigFrom reads the cache's settings from the broker
// configuration, which is validated before it reaches the handlers; a value
// that still does not parse keeps the default.
func fetchSessionConfigFrom(config map[string]string, log *slog.Logger) fetchSessionConfig {
	cfg := defaultFetchSessionConfig()
	v, ok := config[fetchSessionSlotsConfig]
	if !ok {
		return cfg
	}
	n, err := strconv.Atoi(v)
	if err == nil {
		cfg.Slots = n
		err = cfg.Validate()
	}
	if err != nil {
		log.Warn("handler: ignoring invalid config", "name", fetchSessionSlotsConfig, "value", v)
		return defaultFetchSessionConfig()
	}
	return cfg
}

// fetchKey names a partition in a Fetch: by topic name before version 13,
// by topic id from 13 on; the other is zero.
type fetchKey struct {
	topic     string
	id        controller.TopicID
	partition int32
}

// fetchTarget is one partition a Fetch reads, with the client's parameters.
type fetchTarget struct {
	key              fetchKey
	fetchOffset      int64
	maxBytes         int32
	leaderEpoch      int32 // the leader epoch the client knows; -1 skips the check
	lastFetchedEpoch int32 // the epoch of the client's last record; -1 none
}

// cachedPartition is a session's partition: the client's latest parameters
// and what the last response told it, to leave out what has not changed.
type cachedPartition struct {
	fetchTarget
	highWatermark    int64 // -1 forces the next response to include it
	lastStableOffset int64
	logStartOffset   int64
}

// fetchSession is one incremental fetch session.
type fetchSession struct {
	id           int32
	usesTopicIDs bool // created by a v13+ request; only those may use it
	created      time.Time

	// Guarded by the cache's mu.
	lastUsed time.Time
	size     int // the partitions counted in the cache's total

	mu struct {
		sync.Mutex
		epoch int32 // the epoch the next request must carry
		parts map[fetchKey]*cachedPartition
		order []*cachedPartition // read order: those that returned records go last
	}
}

// fetchSessionCache holds the sessions of every connection.
type fetchSessionCache struct {
	cfg fetchSessionConfig
	mu  struct {
		sync.Mutex
		sessions   map[int32]*fetchSession
		partitions int // sum of the sessions' sizes
	}
}

func newFetchSessionCache(cfg fetchSessionConfig) *fetchSessionCache {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &fetchSessionCache{cfg: cfg}
	c.mu.sessions = make(map[int32]*fetchSession)
	return c
}

// close drops every session.
func (c *fetchSessionCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.mu.sessions)
	c.mu.partitions = 0
}

// fetchContext is a Fetch request seen through the session cache: what to
// read, and how to shape the response.
type fetchContext struct {
	errCode      int16 // a session error: the response carries only this
	targets      []fetchTarget
	create       bool          // a full fetch at epoch 0: open a session
	session      *fetchSession // an incremental fetch: its session
	epoch        int32         // an incremental fetch: the session's epoch after it
	usesTopicIDs bool
}

// newContext resolves r's session: a full fetch (closing the session it
// names, if any), or an incremental one over the session's partitions.
func (c *fetchSessionCache) newContext(r *kmsg.FetchRequest) fetchContext {
	ids := r.Version >= 13
	if r.SessionEpoch == fetchSessionless || r.SessionEpoch == fetchSessionCreate {
		if r.SessionID != fetchNoSession {
			c.remove(r.SessionID)
		}
		return fetchContext{
			targets:      fetchRequestTargets(r),
			create:       r.SessionEpoch == fetchSessionCreate,
			usesTopicIDs: ids,
		}
	}
	return c.incremental(r)
}

// incremental applies an incremental request to its session.
func (c *fetchSessionCache) incremental(r *kmsg.FetchRequest) fetchContext {
	ids := r.Version >= 13
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.mu.sessions[r.SessionID]
	switch {
	case s == nil:
		return fetchContext{errCode: kerr.FetchSessionIDNotFound.Code}
	case s.usesTopicIDs != ids:
		return fetchContext{errCode: kerr.FetchSessionTopicIDError.Code}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.epoch != r.SessionEpoch {
		return fetchContext{errCode: kerr.InvalidFetchSessionEpoch.Code}
	}
	targets := fetchRequestTargets(r)
	s.update(targets, fetchForgotten(r))
	switch {
	case len(s.mu.parts) == 0:
		// Nothing left to remember: the session ends, as in Kafka.
		c.removeLocked(s)
		return fetchContext{targets: targets, usesTopicIDs: ids}
	case c.mu.partitions-s.size+len(s.mu.parts) > c.cfg.MaxPartitions:
		// The session outgrew the cache; the client starts over.
		c.removeLocked(s)
		return fetchContext{errCode: kerr.FetchSessionIDNotFound.Code}
	}
	c.touchLocked(s, c.cfg.Now())
	s.mu.epoch = nextFetchEpoch(s.mu.epoch)
	return fetchContext{targets: s.targets(), session: s, epoch: s.mu.epoch, usesTopicIDs: ids}
}

// nextFetchEpoch is the epoch after e; it wraps to 1, never to 0 or -1.
func nextFetchEpoch(e int32) int32 {
	if e == math.MaxInt32 {
		return 1
	}
	return e + 1
}

// respond shapes the response to fc once its partitions are read: the
// session id to return, which reads to include, and a top-level error.
func (c *fetchSessionCache) respond(fc *fetchContext, reads []partitionRead) (sessionID int32, include []bool, errCode int16) {
	switch {
	case fc.session != nil:
		return fc.session.respond(fc.epoch, fc.targets, reads)
	case fc.create:
		sessionID = c.create(fc.targets, reads, fc.usesTopicIDs)
	}
	include = make([]bool, len(reads))
	for i := range include {
		include[i] = true
	}
	return sessionID, include, 0
}

// create opens a session over a full fetch's partitions, if there is room
// or a session to evict; it returns the new id, or fetchNoSession.
func (c *fetchSessionCache) create(targets []fetchTarget, reads []partitionRead, usesTopicIDs bool) int32 {
	now := c.cfg.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.makeRoom(len(targets), now) {
		return fetchNoSession
	}
	s := &fetchSession{id: c.newID(), usesTopicIDs: usesTopicIDs, created: now}
	s.mu.epoch = nextFetchEpoch(fetchSessionCreate)
	s.mu.parts = make(map[fetchKey]*cachedPartition, len(targets))
	s.mu.order = make([]*cachedPartition, 0, len(targets))
	for i := range targets {
		cp := &cachedPartition{fetchTarget: targets[i]}
		cp.remember(&reads[i])
		s.mu.parts[cp.key] = cp
		s.mu.order = append(s.mu.order, cp)
	}
	c.mu.sessions[s.id] = s
	c.touchLocked(s, now)
	return s.id
}

// makeRoom evicts sessions until one of size partitions fits, if it can.
func (c *fetchSessionCache) makeRoom(size int, now time.Time) bool {
	if c.cfg.Slots <= 0 || size > c.cfg.MaxPartitions {
		return false
	}
	for len(c.mu.sessions) >= c.cfg.Slots || c.mu.partitions+size > c.cfg.MaxPartitions {
		if !c.evictOne(size, now) {
			return false
		}
	}
	return true
}

// evictOne evicts the least recently used session if it has been idle past
// the eviction age; otherwise the smallest session older than the eviction
// age, if it is smaller than size. It reports whether it evicted one.
func (c *fetchSessionCache) evictOne(size int, now time.Time) bool {
	var lru, smallest *fetchSession
	for _, s := range c.mu.sessions {
		if lru == nil || s.lastUsed.Before(lru.lastUsed) {
			lru = s
		}
		if now.Sub(s.created) > c.cfg.EvictionAge &&
			(smallest == nil || s.size < smallest.size || s.size == smallest.size && s.id < smallest.id) {
			smallest = s
		}
	}
	switch {
	case lru != nil && now.Sub(lru.lastUsed) > c.cfg.EvictionAge:
		c.removeLocked(lru)
	case smallest != nil && smallest.size < size:
		c.removeLocked(smallest)
	default:
		return false
	}
	return true
}

// newID returns a random positive id no session has.
func (c *fetchSessionCache) newID() int32 {
	for {
		id := rand.Int32N(math.MaxInt32) + 1
		if _, taken := c.mu.sessions[id]; !taken {
			return id
		}
	}
}

// remove closes the session with the given id, if there is one.
func (c *fetchSessionCache) remove(id int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.mu.sessions[id]; s != nil {
		c.removeLocked(s)
	}
}

func (c *fetchSessionCache) removeLocked(s *fetchSession) {
	delete(c.mu.sessions, s.id)
	c.mu.partitions -= s.size
	s.size = 0
}

// touchLocked marks s used at now and recounts its partitions; the caller
// holds s.mu too, or s is not yet shared.
func (c *fetchSessionCache) touchLocked(s *fetchSession, now time.Time) {
	s.lastUsed = now
	c.mu.partitions += len(s.mu.parts) - s.size
	s.size = len(s.mu.parts)
}

// update applies an incremental request: new and changed partitions, then
// forgotten ones. The caller holds s.mu.
func (s *fetchSession) update(targets []fetchTarget, forgotten []fetchKey) {
	for _, t := range targets {
		if cp := s.mu.parts[t.key]; cp != nil {
			cp.fetchTarget = t
			continue
		}
		cp := &cachedPartition{fetchTarget: t, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1}
		s.mu.parts[t.key] = cp
		s.mu.order = append(s.mu.order, cp)
	}
	removed := false
	for _, k := range forgotten {
		if _, ok := s.mu.parts[k]; ok {
			delete(s.mu.parts, k)
			removed = true
		}
	}
	if removed {
		s.mu.order = slices.DeleteFunc(s.mu.order, func(cp *cachedPartition) bool { return s.mu.parts[cp.key] != cp })
	}
}

// targets lists the session's partitions in read order. The caller holds
// s.mu.
func (s *fetchSession) targets() []fetchTarget {
	targets := make([]fetchTarget, len(s.mu.order))
	for i, cp := range s.mu.order {
		targets[i] = cp.fetchTarget
	}
	return targets
}

// respond picks the partitions an incremental response must carry and
// remembers what it tells the client. Partitions that returned records
// move to the end of the read order, so that a byte limit does not starve
// the ones after them.
func (s *fetchSession) respond(epoch int32, targets []fetchTarget, reads []partitionRead) (int32, []bool, int16) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.epoch != epoch {
		// Another request with this session's epoch came in meanwhile.
		return s.id, nil, kerr.InvalidFetchSessionEpoch.Code
	}
	include := make([]bool, len(reads))
	moved := make(map[*cachedPartition]bool)
	for i := range targets {
		cp := s.mu.parts[targets[i].key]
		if cp == nil {
			continue
		}
		include[i] = cp.changed(&reads[i])
		if reads[i].records.Len() > 0 {
			moved[cp] = true
		}
	}
	if len(moved) > 0 {
		last := make([]*cachedPartition, 0, len(moved))
		s.mu.order = slices.DeleteFunc(s.mu.order, func(cp *cachedPartition) bool {
			if moved[cp] {
				last = append(last, cp)
			}
			return moved[cp]
		})
		s.mu.order = append(s.mu.order, last...)
	}
	return s.id, include, 0
}

// changed reports whether rd must be sent, and remembers what it says:
// it has records, an error or a diverging epoch, or its high watermark, last
// stable offset or log start offset moved since the last response.
func (cp *cachedPartition) changed(rd *partitionRead) bool {
	must := rd.records.Len() > 0 || rd.code != 0 || rd.diverging != nil ||
		cp.highWatermark != rd.highWatermark ||
		cp.lastStableOffset != rd.lastStableOffset ||
		cp.logStartOffset != rd.logStartOffset
	cp.remember(rd)
	return must
}

// remember records what a response told the client about the partition.
// After an error the high watermark is forgotten, so the partition is sent
// again once the error clears.
func (cp *cachedPartition) remember(rd *partitionRead) {
	cp.highWatermark = rd.highWatermark
	cp.lastStableOffset = rd.lastStableOffset
	cp.logStartOffset = rd.logStartOffset
	if rd.code != 0 {
		cp.highWatermark = -1
	}
}

// fetchRequestTargets lists r's partitions in request order; a partition
// named twice keeps its first place and its last parameters.
func fetchRequestTargets(r *kmsg.FetchRequest) []fetchTarget {
	var targets []fetchTarget
	seen := make(map[fetchKey]int)
	for i := range r.Topics {
		t := &r.Topics[i]
		for j := range t.Partitions {
			p := &t.Partitions[j]
			target := fetchTarget{
				key:              newFetchKey(r.Version, t.Topic, t.TopicID, p.Partition),
				fetchOffset:      p.FetchOffset,
				maxBytes:         p.PartitionMaxBytes,
				leaderEpoch:      p.CurrentLeaderEpoch,
				lastFetchedEpoch: p.LastFetchedEpoch,
			}
			if k, dup := seen[target.key]; dup {
				targets[k] = target
				continue
			}
			seen[target.key] = len(targets)
			targets = append(targets, target)
		}
	}
	return targets
}

// fetchForgotten lists the partitions an incremental request drops.
func fetchForgotten(r *kmsg.FetchRequest) []fetchKey {
	var keys []fetchKey
	for _, t := range r.ForgottenTopics {
		for _, p := range t.Partitions {
			keys = append(keys, newFetchKey(r.Version, t.Topic, t.TopicID, p))
		}
	}
	return keys
}

// newFetchKey names a partition the way a request of version v does.
func newFetchKey(v int16, topic string, id [16]byte, partition int32) fetchKey {
	if v >= 13 {
		return fetchKey{id: id, partition: partition}
	}
	return fetchKey{topic: topic, partition: partition}
}
