package remote

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// testSegment returns a valid manifest entry for base..base+9.
func testSegment(base int64) Segment {
	return Segment{
		BaseOffset: base, LastOffset: base + 9, NextOffset: base + 10,
		BatchBytes: 1000, ObjectSize: 2000,
		Key:        SegmentKey(testTP, base, 1, NewUploadID()),
		UploadTime: time.Unix(1_700_000_000, 0),
	}
}

func TestManifestStoreLoadMissing(t *testing.T) {
	s, err := NewManifestStore(objstore.NewMem(), testTP)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Load(t.Context())
	if err != nil || m.Version != 0 || len(m.Segments) != 0 || m.TopicPartition() != testTP {
		t.Fatalf("Load of a missing manifest = %+v, %v; want the empty one", m, err)
	}
}

func TestManifestStoreRefusesStaleVersions(t *testing.T) {
	b := objstore.NewMem()
	s, _ := NewManifestStore(b, testTP)
	m0, _ := s.Load(t.Context())
	m1, err := AddSegment(m0, testSegment(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store(t.Context(), m1); err != nil {
		t.Fatalf("Store v1: %v", err)
	}
	if err := s.Store(t.Context(), m1); !errors.Is(err, ErrStaleManifest) {
		t.Fatalf("Store of v1 again = %v, want ErrStaleManifest", err)
	}
	// A second store over the same bucket: a writer that loaded v1 and
	// one that stores a change made on v0 cannot both land.
	other, _ := NewManifestStore(b, testTP)
	if got, err := other.Load(t.Context()); err != nil || got.Version != 1 {
		t.Fatalf("Load = version %d, %v; want 1", got.Version, err)
	}
	alt, _ := AddSegment(m0, testSegment(0))
	if err := other.Store(t.Context(), alt); !errors.Is(err, ErrStaleManifest) {
		t.Fatalf("Store of a change made on v0 after loading v1 = %v, want ErrStaleManifest", err)
	}
	// Going back in the bucket is detected on load.
	if err := other.Store(t.Context(), mustAdd(t, m1, testSegment(10))); err != nil {
		t.Fatal(err)
	}
	old := mustEncode(t, m1)
	if err := b.Put(t.Context(), PartitionManifestKey(testTP), bytes.NewReader(old), int64(len(old))); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Load(t.Context()); !errors.Is(err, ErrStaleManifest) {
		t.Fatalf("Load of an older manifest = %v, want ErrStaleManifest", err)
	}
}

func TestManifestStoreUpdate(t *testing.T) {
	b := objstore.NewMem()
	s, _ := NewManifestStore(b, testTP)
	m, err := s.Update(t.Context(), func(m PartitionManifest) (PartitionManifest, bool, error) {
		next, err := AddSegment(m, testSegment(0))
		return next, true, err
	})
	if err != nil || m.Version != 1 {
		t.Fatalf("Update = version %d, %v", m.Version, err)
	}
	same, err := s.Update(t.Context(), func(m PartitionManifest) (PartitionManifest, bool, error) { return m, false, nil })
	if err != nil || same.Version != 1 {
		t.Fatalf("a no-op Update = version %d, %v", same.Version, err)
	}
	if got, found, err := LoadPartitionManifest(t.Context(), b, testTP); err != nil || !found || got.Version != 1 {
		t.Fatalf("bucket holds version %d (found %v, %v)", got.Version, found, err)
	}
}

func TestManifestStoreWrongPartition(t *testing.T) {
	s, _ := NewManifestStore(objstore.NewMem(), testTP)
	other := testTP
	other.Partition++
	m := NewPartitionManifest(other)
	m.Version = 1
	if err := s.Store(t.Context(), m); !errors.Is(err, ErrInvalidManifest) {
		t.Fatalf("Store of another partition's manifest = %v, want ErrInvalidManifest", err)
	}
}

func TestTopicManifestStoreLoad(t *testing.T) {
	b := objstore.NewMem()
	if _, found, err := LoadTopicManifest(t.Context(), b, testTP.Topic, testTP.TopicID); err != nil || found {
		t.Fatalf("LoadTopicManifest of a missing manifest: found %v, %v", found, err)
	}
	want := TopicManifest{Topic: testTP.Topic, TopicID: testTP.TopicID, Partitions: 4,
		Configs: map[string]string{"retention.ms": "-1"}, Created: time.Unix(1_700_000_000, 0).UTC()}
	if err := StoreTopicManifest(t.Context(), b, want); err != nil {
		t.Fatal(err)
	}
	got, found, err := LoadTopicManifest(t.Context(), b, testTP.Topic, testTP.TopicID)
	if err != nil || !found || got.Partitions != 4 || got.Configs["retention.ms"] != "-1" || !got.Created.Equal(want.Created) {
		t.Fatalf("LoadTopicManifest = %+v, %v, %v", got, found, err)
	}
}

func mustAdd(t *testing.T, m PartitionManifest, s Segment) PartitionManifest {
	t.Helper()
	out, err := AddSegment(m, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustEncode(t *testing.T, m PartitionManifest) []byte {
	t.Helper()
	b, err := EncodePartitionManifest(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
