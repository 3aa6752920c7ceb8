package remote

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/objstore"
)

func TestSweeperDeletesOrphanAfterGrace(t *testing.T) {
	b := newFaultBucket()
	b.mu.manifestPuts = 1
	src := newMemSource(t, 1)
	u, _ := newTestUploader(t, b, src)
	if _, err := u.UploadNext(t.Context()); !objstore.IsRetriable(err) {
		t.Fatalf("UploadNext with a failing manifest Put = %v, want a retriable error", err)
	}
	if _, found := bucketManifest(t, b); found {
		t.Fatal("the failed manifest Put left a manifest")
	}
	orphans := segmentKeys(t, b)
	if len(orphans) != 1 || u.Stats().OrphanedObjects != 1 {
		t.Fatalf("objects %v, orphans counted %d; want the one orphan", orphans, u.Stats().OrphanedObjects)
	}
	if n := uploadAll(t, u); n != 1 {
		t.Fatalf("retry uploaded %d segments, want 1", n)
	}
	m, _ := bucketManifest(t, b)
	named := m.Segments[0].Key

	now := time.Now()
	clock := func() time.Time { return now }
	sw, err := NewSweeper(b, testTP, SweeperConfig{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sw.Sweep(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("Sweep within the grace period deleted %v (%v)", got, err)
	}
	now = now.Add(DefaultSweepGrace + time.Minute)
	got, err := sw.Sweep(t.Context())
	if err != nil || !slices.Equal(got, orphans) {
		t.Fatalf("Sweep after the grace period deleted %v (%v), want %v", got, err, orphans)
	}
	if keys := segmentKeys(t, b); len(keys) != 1 || keys[0] != named {
		t.Fatalf("objects left %v, want only the named %q", keys, named)
	}
	if after, found := bucketManifest(t, b); !found || after.Version != m.Version {
		t.Fatal("the sweeper touched the manifest")
	}
	checkReadBack(t, b, src, m)
}

func TestSweeperReportsDeleteFailure(t *testing.T) {
	b := newFaultBucket()
	src := newMemSource(t, 2)
	u, _ := newTestUploader(t, b, src)
	uploadAll(t, u)
	b.mu.failDeletes = true
	if _, err := u.DeleteSegmentsBefore(t.Context(), 50); err != nil {
		t.Fatal(err)
	}
	sw, err := NewSweeper(b, testTP, SweeperConfig{Grace: time.Second, Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := sw.Sweep(t.Context()); !errors.Is(err, objstore.ErrUnavailable) || len(got) != 0 {
		t.Fatalf("Sweep with failing deletes = %v, %v", got, err)
	}
	b.mu.failDeletes = false
	got, err := sw.Sweep(t.Context())
	if err != nil || len(got) != 1 {
		t.Fatalf("Sweep = %v, %v; want the one orphan", got, err)
	}
	m, _ := bucketManifest(t, b)
	if keys := segmentKeys(t, b); len(keys) != 1 || keys[0] != m.Segments[0].Key {
		t.Fatalf("objects left %v", keys)
	}
}

func TestSweeperConfigValidate(t *testing.T) {
	if err := (SweeperConfig{Grace: -time.Second}).Validate(); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("negative grace: %v", err)
	}
}
