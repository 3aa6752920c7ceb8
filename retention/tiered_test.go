package retention

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeRemote is a remote tier: segments moved there by upload, a manifest
// that is known or not, and a log of deletions.
type fakeRemote struct {
	mu      sync.Mutex
	segs    []RemoteSegment
	start   int64
	known   bool
	err     error
	deletes []int64
}

func (r *fakeRemote) upload(s Segment) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.segs = append(r.segs, RemoteSegment{BaseOffset: s.BaseOffset, NextOffset: s.NextOffset, Size: s.Size, MaxTimestamp: s.MaxTimestamp})
}

func (r *fakeRemote) RemoteSegments() ([]RemoteSegment, int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := r.start
	if len(r.segs) > 0 {
		end = r.segs[len(r.segs)-1].NextOffset
	}
	return slices.Clone(r.segs), end, r.known
}

func (r *fakeRemote) DeleteRemoteBefore(_ context.Context, offset int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return 0, r.err
	}
	r.deletes = append(r.deletes, offset)
	n := 0
	for n < len(r.segs) && r.segs[n].NextOffset <= offset {
		n++
	}
	r.segs = r.segs[n:]
	r.start = max(r.start, offset)
	return n, nil
}

func TestTieredEnforcement(t *testing.T) {
	m, _ := newTestManager(t)
	ctx := context.Background()
	// Ten segments of 100 bytes, an hour old; the last is active.
	local := newFakePartition(10, testStart, time.Hour)
	remote := &fakeRemote{}
	policy := TieredPolicy{
		Total:         Policy{RetentionMs: Unlimited, RetentionBytes: 600},
		Local:         Policy{RetentionMs: Unlimited, RetentionBytes: 300},
		RemoteEnabled: true,
	}
	m.AddTiered("t-0", local, remote, func() TieredPolicy { return policy })

	// Until the remote tier is known nothing is deleted.
	if _, err := m.Enforce(ctx, "t-0"); err != nil || local.count() != 10 || local.deleteCalls() != 0 {
		t.Fatalf("unknown remote tier: err %v, %d local segments, %d delete calls", err, local.count(), local.deleteCalls())
	}
	// Known but nothing uploaded: the whole sealed part is backlog and
	// nothing goes, whatever the limits say.
	remote.known = true
	if _, err := m.Enforce(ctx, "t-0"); err != nil || local.count() != 10 {
		t.Fatalf("nothing uploaded: err %v, %d local segments", err, local.count())
	}
	if got := m.BacklogBytes(); got != 900 {
		t.Fatalf("backlog %d bytes, want 900", got)
	}
	// Upload six segments: local retention trims uploaded ones down to
	// 300 bytes locally; total retention (600 bytes over both tiers) drops
	// remote ones, remote first.
	for _, s := range local.RetentionSegments()[:6] {
		remote.upload(s)
	}
	if _, err := m.Enforce(ctx, "t-0"); err != nil {
		t.Fatal(err)
	}
	segs, end, _ := remote.RemoteSegments()
	if end != 60 || len(segs) == 0 || segs[0].BaseOffset != 40 {
		t.Fatalf("remote tier after retention: %+v, end %d; want it to start at 40", segs, end)
	}
	if want := []int64{40}; !slices.Equal(remote.deletes, want) {
		t.Fatalf("remote deletes %v, want %v", remote.deletes, want)
	}
	first := local.RetentionSegments()[0].BaseOffset
	if first != 60 {
		t.Fatalf("local tier starts at %d, want 60: only uploaded segments may go", first)
	}
	if got := m.BacklogBytes(); got != 300 {
		t.Fatalf("backlog %d bytes, want 300", got)
	}
	if st := m.Stats(); st.RemoteSegmentsDeleted != 4 {
		t.Fatalf("stats %+v, want 4 remote segments deleted", st)
	}
}

func TestTieredEnforcementRemoteFailureKeepsLocal(t *testing.T) {
	m, _ := newTestManager(t)
	local := newFakePartition(4, testStart, 48*time.Hour)
	remote := &fakeRemote{known: true, err: errors.New("bucket unreachable")}
	for _, s := range local.RetentionSegments()[:3] {
		remote.upload(s)
	}
	policy := TieredPolicy{Total: Policy{RetentionMs: time.Hour.Milliseconds(), RetentionBytes: Unlimited},
		Local: keepAll, RemoteEnabled: true}
	m.AddTiered("t-0", local, remote, func() TieredPolicy { return policy })
	if _, err := m.Enforce(context.Background(), "t-0"); err == nil {
		t.Fatal("Enforce succeeded with the remote tier failing")
	}
	if local.deleteCalls() != 0 {
		t.Fatal("local segments deleted although the remote deletion failed")
	}
}
