package remote

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// Defaults of CacheConfig.
const (
	DefaultCacheBytes           = 1 << 30
	DefaultCacheFooters         = 1024
	DefaultCacheConcurrentFetch = 8
	DefaultCacheMemoryBytes     = 64 << 20
)

// CacheConfig configures a ChunkCache.
type CacheConfig struct {
	// Dir is the directory of cached chunks. The cache owns it: Open
	// empties it, since entries do not outlive the process.
	Dir string
	// MaxBytes caps the decoded chunk bytes kept in Dir; the least
	// recently used chunks go first. 0 means DefaultCacheBytes.
	MaxBytes int64
	// MaxFooters caps the number of segment footers kept in memory, least
	// recently used first. 0 means DefaultCacheFooters.
	MaxFooters int
	// MaxConcurrentFetches caps the GETs in flight, foreground reads and
	// prefetches together. 0 means DefaultCacheConcurrentFetch.
	MaxConcurrentFetches int
	// MemoryBytes caps the decoded bytes of the chunks fetched last that
	// are also kept in memory, so that a reader following the read-ahead
	// takes them without reading their files back. 0 means
	// DefaultCacheMemoryBytes; a negative value keeps none.
	MemoryBytes int64
	// Admission says which fetched chunks are written to Dir; the zero
	// value is AdmitSecondFetch.
	Admission Admission
	// Reader configures the segment reads.
	Reader ReaderConfig
}

// Admission is a ChunkCache's rule for writing fetched chunks to its Dir.
type Admission int

const (
	// AdmitSecondFetch writes a chunk when it is fetched a second time
	// while the first is remembered (the last DefaultCacheGhosts fetches).
	// A consumer replaying history reads each chunk once: it is served
	// from memory, costs no disk write, and does not evict the chunks that
	// consumers read again.
	AdmitSecondFetch Admission = iota
	// AdmitEveryFetch writes every fetched chunk.
	AdmitEveryFetch
)

// DefaultCacheGhosts is how many chunks fetched once a ChunkCache
// remembers for AdmitSecondFetch.
const DefaultCacheGhosts = 1 << 16

func (c CacheConfig) withDefaults() CacheConfig {
	if c.MaxBytes == 0 {
		c.MaxBytes = DefaultCacheBytes
	}
	if c.MaxFooters == 0 {
		c.MaxFooters = DefaultCacheFooters
	}
	if c.MaxConcurrentFetches == 0 {
		c.MaxConcurrentFetches = DefaultCacheConcurrentFetch
	}
	if c.MemoryBytes == 0 {
		c.MemoryBytes = DefaultCacheMemoryBytes
	}
	c.Reader = c.Reader.withDefaults()
	return c
}

// Validate checks the config after defaults are applied.
func (c CacheConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Dir == "":
		return fmt.Errorf("%w: cache Dir is empty", ErrInvalidConfig)
	case c.MaxBytes < 1:
		return fmt.Errorf("%w: cache MaxBytes %d", ErrInvalidConfig, c.MaxBytes)
	case c.MaxFooters < 1:
		return fmt.Errorf("%w: cache MaxFooters %d", ErrInvalidConfig, c.MaxFooters)
	case c.MaxConcurrentFetches < 1:
		return fmt.Errorf("%w: cache MaxConcurrentFetches %d", ErrInvalidConfig, c.MaxConcurrentFetches)
	case c.Admission != AdmitSecondFetch && c.Admission != AdmitEveryFetch:
		return fmt.Errorf("%w: cache Admission %d", ErrInvalidConfig, c.Admission)
	}
	return c.Reader.Validate()
}

// CacheStats counts what a ChunkCache did since it was opened.
type CacheStats struct {
	Hits       int64 // ReadChunk served from Dir or joined a fetch in flight
	Misses     int64 // ReadChunk that fetched the chunk
	Prefetches int64 // Prefetch that fetched a chunk
	Evictions  int64 // chunks removed to stay under MaxBytes
	// WriteErrors counts chunks served but not cached, their file not
	// written (a full or failing disk).
	WriteErrors int64
}

// chunkID names one chunk of one object.
type chunkID struct {
	key   string
	index int
}

// chunkEntry is a chunk cached in Dir.
type chunkEntry struct {
	id   chunkID
	path string
	size int64
}

// chunkCall is a fetch in flight that later readers of the chunk wait for.
type chunkCall struct {
	done chan struct{}
	raw  []byte
	err  error
}

// ChunkCache caches the decoded chunks of segment objects of one bucket
// in files under a directory, and their footers in memory, so that
// consumers replaying a partition from the remote tier fetch each chunk
// once. Concurrent reads of a chunk share one GET.
//
// Chunks are served as read-only []byte: the chunks fetched last from
// memory (MemoryBytes of them), others read back from their file. A fetch
// response writes batches straight out of them; the bytes live as long as
// the reads that hold them, and a file can be evicted at any time without
// reference counts. Memory stays bounded by MaxConcurrentFetches chunks in
// flight, MemoryBytes, and the chunks readers hold.
//
// It is safe for concurrent use.
type ChunkCache struct {
	bucket objstore.Bucket
	cfg    CacheConfig
	sem    chan struct{} // one token per GET in flight

	hits, misses, prefetches, evictions, writeErrors atomic.Int64

	mu struct {
		sync.Mutex
		chunks   map[chunkID]*list.Element // of *chunkEntry
		lru      list.List                 // front = most recently used
		bytes    int64
		inflight map[chunkID]*chunkCall
		footers  map[string]*list.Element // of *SegmentReader
		fLRU     list.List
		// footerCalls are footer reads in flight.
		footerCalls map[string]*footerCall
		tmpSeq      uint64
		recent      recentChunks
		ghosts      ghostChunks // fetched once, not written (AdmitSecondFetch)
	}
}

// OpenChunkCache empties cfg.Dir (creating it if needed) and returns a
// cache of bucket's chunks in it.
func OpenChunkCache(bucket objstore.Bucket, cfg CacheConfig) (*ChunkCache, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(cfg.Dir); err != nil {
		return nil, fmt.Errorf("remote: clean cache dir: %w", err)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("remote: create cache dir: %w", err)
	}
	c := &ChunkCache{bucket: bucket, cfg: cfg, sem: make(chan struct{}, cfg.MaxConcurrentFetches)}
	c.mu.chunks = make(map[chunkID]*list.Element)
	c.mu.inflight = make(map[chunkID]*chunkCall)
	c.mu.footers = make(map[string]*list.Element)
	c.mu.footerCalls = make(map[string]*footerCall)
	c.mu.recent = newRecentChunks(max(0, cfg.MemoryBytes))
	c.mu.ghosts = newGhostChunks(DefaultCacheGhosts)
	return c, nil
}

// Stats returns the cache's counters.
func (c *ChunkCache) Stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(),
		Prefetches: c.prefetches.Load(), Evictions: c.evictions.Load(), WriteErrors: c.writeErrors.Load()}
}

// Bytes is the size of the chunks cached in Dir.
func (c *ChunkCache) Bytes() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.bytes
}

// OpenSegment returns the segment object at key, of size bytes (from the
// manifest), as a ChunkSource that reads through the cache. Its footer
// comes from memory when it was read before; concurrent opens of one
// object share one read of its footer.
func (c *ChunkCache) OpenSegment(ctx context.Context, key string, size int64) (*CachedSegment, error) {
	for {
		sr, call, leader := c.lookupFooter(key, size)
		switch {
		case sr != nil:
			return &CachedSegment{cache: c, sr: sr}, nil
		case leader:
			return c.openFooter(ctx, key, size, call)
		}
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if call.err == nil && call.sr.Size() == size {
			return &CachedSegment{cache: c, sr: call.sr}, nil
		}
		if call.err != nil && (!isContextErr(call.err) || ctx.Err() != nil) {
			return nil, call.err
		}
	}
}

// footerCall is a footer read in flight that later openers wait for.
type footerCall struct {
	done chan struct{}
	sr   *SegmentReader
	err  error
}

// lookupFooter finds the footer of key: cached, being read, or to be read
// by this caller. A cached footer of another size (a manifest that
// disagrees with an earlier one) is read again.
func (c *ChunkCache) lookupFooter(key string, size int64) (*SegmentReader, *footerCall, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.mu.footers[key]; ok && el.Value.(*SegmentReader).Size() == size {
		c.mu.fLRU.MoveToFront(el)
		return el.Value.(*SegmentReader), nil, false
	}
	if call, ok := c.mu.footerCalls[key]; ok {
		return nil, call, false
	}
	call := &footerCall{done: make(chan struct{})}
	c.mu.footerCalls[key] = call
	return nil, call, true
}

func (c *ChunkCache) openFooter(ctx context.Context, key string, size int64, call *footerCall) (*CachedSegment, error) {
	if call.err = c.acquire(ctx); call.err == nil {
		call.sr, call.err = OpenSegment(ctx, c.bucket, key, size, c.cfg.Reader)
		c.release()
	}
	c.mu.Lock()
	delete(c.mu.footerCalls, key)
	if call.err == nil {
		c.addFooterLocked(call.sr)
	}
	c.mu.Unlock()
	close(call.done)
	if call.err != nil {
		return nil, call.err
	}
	return &CachedSegment{cache: c, sr: call.sr}, nil
}

// HasFooter reports whether the footer of the object at key is in memory.
func (c *ChunkCache) HasFooter(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.mu.footers[key]
	return ok
}

// Forget drops the footer and the cached chunks of the object at key: for
// an object found missing or corrupt.
func (c *ChunkCache) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.mu.footers[key]; ok {
		c.mu.fLRU.Remove(el)
		delete(c.mu.footers, key)
	}
	for id, el := range c.mu.chunks {
		if id.key == key {
			c.removeLocked(el)
		}
	}
	c.mu.recent.forget(key)
}

func (c *ChunkCache) addFooterLocked(sr *SegmentReader) {
	if el, ok := c.mu.footers[sr.Key()]; ok {
		el.Value = sr
		c.mu.fLRU.MoveToFront(el)
		return
	}
	c.mu.footers[sr.Key()] = c.mu.fLRU.PushFront(sr)
	for len(c.mu.footers) > c.cfg.MaxFooters {
		el := c.mu.fLRU.Back()
		c.mu.fLRU.Remove(el)
		delete(c.mu.footers, el.Value.(*SegmentReader).Key())
	}
}

// acquire takes a fetch token, or fails when ctx ends first.
func (c *ChunkCache) acquire(ctx context.Context) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (c *ChunkCache) release() { <-c.sem }

// CachedSegment is one segment object read through a ChunkCache.
type CachedSegment struct {
	cache *ChunkCache
	sr    *SegmentReader
}

var _ ChunkSource = (*CachedSegment)(nil)

// Key is the object's key.
func (s *CachedSegment) Key() string { return s.sr.Key() }

// Footer implements ChunkSource.
func (s *CachedSegment) Footer() *Footer { return s.sr.Footer() }

// ReadChunk implements ChunkSource: chunk i from the cache, or fetched,
// decoded and cached, one GET however many readers ask at once.
func (s *CachedSegment) ReadChunk(ctx context.Context, i int) ([]byte, error) {
	return s.cache.readChunk(ctx, s.sr, i)
}

// Cached reports whether chunk i is in the cache.
func (s *CachedSegment) Cached(i int) bool {
	c := s.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	id := chunkID{s.sr.Key(), i}
	if _, ok := c.mu.recent.get(id); ok {
		return true
	}
	_, ok := c.mu.chunks[id]
	return ok
}

// readChunk serves chunk i of sr. A reader whose fetch in flight failed
// only because the fetching reader's context ended tries again.
func (c *ChunkCache) readChunk(ctx context.Context, sr *SegmentReader, i int) ([]byte, error) {
	id := chunkID{sr.Key(), i}
	for {
		raw, path, call, leader := c.lookup(id)
		if raw != nil {
			c.hits.Add(1)
			return raw, nil
		}
		if path != "" {
			raw, err := os.ReadFile(path)
			if err == nil {
				c.hits.Add(1)
				return raw, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("read %q chunk %d: cache: %w", id.key, i, err)
			}
			c.dropMissing(id) // evicted in between, or deleted under the cache
			continue
		}
		if leader {
			c.misses.Add(1)
			return c.fetch(ctx, sr, id, call)
		}
		select {
		case <-call.done:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		if call.err == nil {
			c.hits.Add(1)
			return call.raw, nil
		}
		if !isContextErr(call.err) || ctx.Err() != nil {
			return nil, call.err
		}
	}
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// lookup finds id: its bytes in memory, or the path of its file, or the
// fetch in flight to wait for, or a new fetch this caller leads.
func (c *ChunkCache) lookup(id chunkID) (raw []byte, path string, call *chunkCall, leader bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, onDisk := c.mu.chunks[id]
	if onDisk {
		c.mu.lru.MoveToFront(el)
	}
	if raw, ok := c.mu.recent.get(id); ok {
		return raw, "", nil, false
	}
	if onDisk {
		return nil, el.Value.(*chunkEntry).path, nil, false
	}
	if call, ok := c.mu.inflight[id]; ok {
		return nil, "", call, false
	}
	call = &chunkCall{done: make(chan struct{})}
	c.mu.inflight[id] = call
	return nil, "", call, true
}

// fetch GETs and decodes the chunk and completes call with it: a run of
// one chunk.
func (c *ChunkCache) fetch(ctx context.Context, sr *SegmentReader, id chunkID, call *chunkCall) ([]byte, error) {
	c.fetchRun(ctx, sr, []claimedChunk{{index: id.index, call: call}})
	return call.raw, call.err
}

// complete hands a fetched chunk, or the error fetching it, to the readers
// waiting on call, then writes it to Dir if the Admission rule says so.
//
// The waiting readers go on as soon as the chunk is decoded; the file is
// written after, and a chunk whose file cannot be written (a full disk) is
// still served, only not cached on disk. Until the file is in place, later
// readers find the finished call, or the chunk in memory.
func (c *ChunkCache) complete(id chunkID, call *chunkCall, raw []byte, err error) {
	call.raw, call.err = raw, err
	admit := false
	if call.err == nil {
		c.mu.Lock()
		c.mu.recent.add(id, call.raw)
		admit = c.cfg.Admission == AdmitEveryFetch || !c.mu.ghosts.firstSeen(id)
		c.mu.Unlock()
	}
	close(call.done)
	var e *chunkEntry
	if admit {
		var err error
		if e, err = c.writeFile(id, call.raw); err != nil {
			c.writeErrors.Add(1)
		}
	}
	c.mu.Lock()
	delete(c.mu.inflight, id)
	if e != nil {
		c.insertLocked(e)
	}
	c.mu.Unlock()
}

// writeFile stores raw in the cache dir through a temporary file and a
// rename, so that a file under its final name is always whole. A chunk
// larger than MaxBytes is not cached (nil entry).
func (c *ChunkCache) writeFile(id chunkID, raw []byte) (*chunkEntry, error) {
	if int64(len(raw)) > c.cfg.MaxBytes {
		return nil, nil
	}
	c.mu.Lock()
	c.mu.tmpSeq++
	tmp := filepath.Join(c.cfg.Dir, "tmp-"+strconv.FormatUint(c.mu.tmpSeq, 10))
	c.mu.Unlock()
	path := filepath.Join(c.cfg.Dir, chunkFileName(id))
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("remote: cache chunk: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("remote: cache chunk: %w", err)
	}
	return &chunkEntry{id: id, path: path, size: int64(len(raw))}, nil
}

// chunkFileName names a chunk's file by its object key (hashed: keys hold
// slashes and may exceed a file name's length) and its index.
func chunkFileName(id chunkID) string {
	sum := sha256.Sum256([]byte(id.key))
	return hex.EncodeToString(sum[:16]) + "-" + strconv.Itoa(id.index) + ".chunk"
}

// insertLocked adds e and evicts least recently used chunks over MaxBytes.
func (c *ChunkCache) insertLocked(e *chunkEntry) {
	if old, ok := c.mu.chunks[e.id]; ok {
		c.mu.lru.Remove(old)
		c.mu.bytes -= old.Value.(*chunkEntry).size
	}
	c.mu.chunks[e.id] = c.mu.lru.PushFront(e)
	c.mu.bytes += e.size
	for c.mu.bytes > c.cfg.MaxBytes {
		c.removeLocked(c.mu.lru.Back())
		c.evictions.Add(1)
	}
}

// dropMissing forgets chunk id, whose file is gone. Files are removed
// only with their entry, under mu, so an entry still present means the
// file was deleted by someone else.
func (c *ChunkCache) dropMissing(id chunkID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.mu.chunks[id]; ok {
		c.removeLocked(el)
	}
}

// removeLocked drops a chunk and deletes its file. The file goes under mu
// so that a file of the same name written later is never the one removed.
// A reader that looked the path up just before finds it gone and looks
// again.
func (c *ChunkCache) removeLocked(el *list.Element) {
	e := el.Value.(*chunkEntry)
	c.mu.lru.Remove(el)
	delete(c.mu.chunks, e.id)
	c.mu.bytes -= e.size
	os.Remove(e.path)
}
