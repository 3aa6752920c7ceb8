package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// ErrStaleManifest is a partition manifest handed to ManifestStore.Store
// whose version is not above the last one the store loaded or stored: a
// second writer, or a change made on an outdated copy.
var ErrStaleManifest = errors.New("remote: manifest version not above the last one seen")

// maxManifestBytes bounds what loading a manifest reads. A manifest entry
// is about 400 bytes, so this holds over a million segments.
const maxManifestBytes = 512 << 20

// LoadPartitionManifest reads the partition's manifest from the bucket.
// found is false, with the empty manifest of NewPartitionManifest, when
// the bucket holds none yet. A manifest that names another partition is
// ErrInvalidManifest.
func LoadPartitionManifest(ctx context.Context, bucket objstore.Bucket, tp TopicPartition) (m PartitionManifest, found bool, err error) {
	b, err := getSmall(ctx, bucket, PartitionManifestKey(tp))
	if errors.Is(err, objstore.ErrNotFound) {
		return NewPartitionManifest(tp), false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("load partition manifest: %w", err)
	}
	if m, err = DecodePartitionManifest(b); err != nil {
		return m, false, fmt.Errorf("load partition manifest %q: %w", PartitionManifestKey(tp), err)
	}
	if m.TopicPartition() != tp {
		return m, false, fmt.Errorf("load partition manifest %q: %w: it describes %s-%s/%d",
			PartitionManifestKey(tp), ErrInvalidManifest, m.Topic, m.TopicID, m.Partition)
	}
	return m, true, nil
}

// LoadTopicManifest reads a topic's manifest; found is false when the
// bucket holds none.
func LoadTopicManifest(ctx context.Context, bucket objstore.Bucket, topic string, id TopicID) (m TopicManifest, found bool, err error) {
	key := TopicManifestKey(topic, id)
	b, err := getSmall(ctx, bucket, key)
	if errors.Is(err, objstore.ErrNotFound) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("load topic manifest: %w", err)
	}
	if m, err = DecodeTopicManifest(b); err != nil {
		return m, false, fmt.Errorf("load topic manifest %q: %w", key, err)
	}
	if m.Topic != topic || m.TopicID != id {
		return m, false, fmt.Errorf("load topic manifest %q: %w: it describes %s-%s", key, ErrInvalidManifest, m.Topic, m.TopicID)
	}
	return m, true, nil
}

// StoreTopicManifest writes a topic's manifest. A topic manifest is
// written before any of its partition manifests; it has no version, so
// the controller's leader is its only writer.
func StoreTopicManifest(ctx context.Context, bucket objstore.Bucket, m TopicManifest) error {
	b, err := EncodeTopicManifest(m)
	if err != nil {
		return fmt.Errorf("store topic manifest: %w", err)
	}
	if err := bucket.Put(ctx, TopicManifestKey(m.Topic, m.TopicID), bytes.NewReader(b), int64(len(b))); err != nil {
		return fmt.Errorf("store topic manifest: %w", err)
	}
	return nil
}

// getSmall reads a whole object of at most maxManifestBytes.
func getSmall(ctx context.Context, bucket objstore.Bucket, key string) ([]byte, error) {
	rc, err := bucket.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("get %q: %w", key, err)
	}
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("get %q: %w: more than %d bytes", key, ErrInvalidManifest, maxManifestBytes)
	}
	return b, nil
}

// ManifestStore is the single writer of one partition's manifest: the
// partition leader's. It remembers the newest manifest it loaded or
// stored and refuses to store one whose version is not above it, so two
// changes made on the same copy cannot both land. Update serializes
// read-modify-write changes (uploads, removals) made from several
// goroutines. It is safe for concurrent use.
type ManifestStore struct {
	bucket objstore.Bucket
	tp     TopicPartition

	// localCopy is the file the newest manifest is copied to; "" for none.
	localCopy string

	// update serializes Update calls; it is taken before mu.
	update sync.Mutex
	mu     struct {
		sync.Mutex
		current PartitionManifest
		known   bool // current was loaded or stored
		// hint is a manifest read from the local copy, served by Latest
		// until the bucket's is known; never written back.
		hint   PartitionManifest
		hinted bool
	}
}

// NewManifestStore returns the store of tp's manifest in bucket. It does
// no I/O: the manifest is loaded on first use.
func NewManifestStore(bucket objstore.Bucket, tp TopicPartition) (*ManifestStore, error) {
	if err := tp.Validate(); err != nil {
		return nil, fmt.Errorf("new manifest store: %w", err)
	}
	return &ManifestStore{bucket: bucket, tp: tp}, nil
}

// TopicPartition is the partition whose manifest the store writes.
func (s *ManifestStore) TopicPartition() TopicPartition { return s.tp }

// Load reads the manifest from the bucket and remembers it; a partition
// with no manifest yet loads as the empty manifest, version 0. A manifest
// older than one the store has already seen is ErrStaleManifest: someone
// went back in time.
func (s *ManifestStore) Load(ctx context.Context) (PartitionManifest, error) {
	m, _, err := LoadPartitionManifest(ctx, s.bucket, s.tp)
	if err != nil {
		return m, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.known && m.Version < s.mu.current.Version {
		return m, fmt.Errorf("load partition manifest: %w: version %d in the bucket, %d already seen",
			ErrStaleManifest, m.Version, s.mu.current.Version)
	}
	s.mu.current, s.mu.known = m, true
	s.copyLocked()
	return m, nil
}

// Current returns the newest manifest the store loaded or stored, loading
// it on first use.
func (s *ManifestStore) Current(ctx context.Context) (PartitionManifest, error) {
	if m, known := s.cached(); known {
		return m, nil
	}
	return s.Load(ctx)
}

// Latest returns, without I/O, the newest manifest the store loaded or
// stored, else the local copy it was seeded with, else the partition's
// empty manifest. Readers use it: it may trail the bucket, never lead it.
func (s *ManifestStore) Latest() PartitionManifest {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.mu.known:
		return s.mu.current
	case s.mu.hinted:
		return s.mu.hint
	}
	return NewPartitionManifest(s.tp)
}

// Known reports whether the store has loaded or stored the bucket's
// manifest: until then Latest serves the local copy, and nothing that
// depends on the manifest being current (deleting local data) may trust
// it.
func (s *ManifestStore) Known() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.known
}

// KeepLocalCopy makes the store copy every manifest it loads or stores to
// the file at path, and seeds Latest with the copy found there, so that a
// restarted broker serves the remote tier before the bucket answers. The
// copy is only a hint: changes always start from the bucket's manifest.
// Call it before the store is used.
func (s *ManifestStore) KeepLocalCopy(path string) error {
	s.localCopy = path
	m, found, err := ReadManifestFile(path)
	if err != nil || !found {
		return err
	}
	if m.TopicPartition() != s.tp {
		return fmt.Errorf("read manifest copy %s: %w: it describes %s/%d", path, ErrInvalidManifest, m.Topic, m.Partition)
	}
	s.mu.Lock()
	s.mu.hint, s.mu.hinted = m, true
	s.mu.Unlock()
	return nil
}

// copyLocked writes the current manifest to the local copy. A failure
// only makes the copy older, which a hint may be; the next change retries.
func (s *ManifestStore) copyLocked() {
	if s.localCopy != "" {
		_ = WriteManifestFile(s.localCopy, s.mu.current)
	}
}

// cached returns the newest manifest seen, without I/O; known is false
// before the first load.
func (s *ManifestStore) cached() (m PartitionManifest, known bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.current, s.mu.known
}

// Store writes m as the partition's manifest. m must describe the store's
// partition and its version must be above the last one loaded or stored
// (ErrStaleManifest otherwise). On failure the store still remembers the
// previous manifest: the bucket holds either that or m, and a retry of the
// same change writes m again.
func (s *ManifestStore) Store(ctx context.Context, m PartitionManifest) error {
	if m.TopicPartition() != s.tp {
		return fmt.Errorf("store partition manifest: %w: it describes %s/%d, the store %s/%d",
			ErrInvalidManifest, m.Topic, m.Partition, s.tp.Topic, s.tp.Partition)
	}
	b, err := EncodePartitionManifest(m)
	if err != nil {
		return fmt.Errorf("store partition manifest: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.known && m.Version <= s.mu.current.Version {
		return fmt.Errorf("store partition manifest: %w: version %d, last seen %d",
			ErrStaleManifest, m.Version, s.mu.current.Version)
	}
	// The Put runs under mu so that two Stores of the same version cannot
	// both pass the check.
	if err := s.bucket.Put(ctx, PartitionManifestKey(s.tp), bytes.NewReader(b), int64(len(b))); err != nil {
		return fmt.Errorf("store partition manifest: %w", err)
	}
	s.mu.current, s.mu.known = m, true
	s.copyLocked()
	return nil
}

// Update applies change to the current manifest and stores the result,
// one change at a time. change returns the new manifest and whether
// anything changed; when nothing did, nothing is stored. It returns the
// manifest now current.
func (s *ManifestStore) Update(ctx context.Context, change func(PartitionManifest) (PartitionManifest, bool, error)) (PartitionManifest, error) {
	s.update.Lock()
	defer s.update.Unlock()
	m, err := s.Current(ctx)
	if err != nil {
		return m, err
	}
	next, changed, err := change(m)
	if err != nil || !changed {
		return m, err
	}
	if err := s.Store(ctx, next); err != nil {
		return m, err
	}
	return next, nil
}
