package retention

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakePartition is an in-memory partition log honouring the Partition
// contract.
type fakePartition struct {
	mu       sync.Mutex
	segs     []Segment
	logStart int64
	err      error // returned by DeleteSegmentsBefore when set
	calls    int   // DeleteSegmentsBefore calls
}

// newFakePartition returns a partition of n segments of 100 bytes and 10
// offsets each, stamped with the given age relative to now. The last one is
// active.
func newFakePartition(n int, now time.Time, age time.Duration) *fakePartition {
	p := &fakePartition{}
	for i := range n {
		p.segs = append(p.segs, Segment{
			BaseOffset:   int64(i) * 10,
			NextOffset:   int64(i+1) * 10,
			Size:         100,
			MaxTimestamp: now.Add(-age).UnixMilli(),
			Active:       i == n-1,
		})
	}
	return p
}

func (p *fakePartition) RetentionSegments() []Segment {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.segs)
}

func (p *fakePartition) DeleteSegmentsBefore(offset int64) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if p.err != nil {
		return 0, p.err
	}
	n := 0
	for n < len(p.segs) && !p.segs[n].Active && p.segs[n].NextOffset <= offset {
		n++
	}
	p.segs = p.segs[n:]
	if len(p.segs) > 0 {
		p.logStart = max(p.logStart, p.segs[0].BaseOffset)
	}
	return n, nil
}

func (p *fakePartition) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.segs)
}

func (p *fakePartition) deleteCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// blockingPartition blocks in DeleteSegmentsBefore until released.
type blockingPartition struct {
	*fakePartition
	enterOnce sync.Once
	entered   chan struct{} // closed when DeleteSegmentsBefore is first called
	release   chan struct{} // close to let it proceed
	returned  atomic.Bool
}

func newBlockingPartition(p *fakePartition) *blockingPartition {
	return &blockingPartition{fakePartition: p, entered: make(chan struct{}), release: make(chan struct{})}
}

func (b *blockingPartition) DeleteSegmentsBefore(offset int64) (int, error) {
	b.enterOnce.Do(func() { close(b.entered) })
	<-b.release
	defer b.returned.Store(true)
	return b.fakePartition.DeleteSegmentsBefore(offset)
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// policyVar is a policy a test can change while the manager reads it.
type policyVar struct {
	mu sync.Mutex
	p  Policy
}

func (v *policyVar) Get() Policy {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.p
}

func (v *policyVar) Set(p Policy) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.p = p
}

func fixed(p Policy) func() Policy { return func() Policy { return p } }

var (
	testStart  = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	oneHour    = Policy{RetentionMs: hour, RetentionBytes: Unlimited}
	keepAll    = Policy{RetentionMs: Unlimited, RetentionBytes: Unlimited}
	errFakeLog = errors.New("fake log: disk on fire")
)

// newTestManager returns a manager on a fake clock whose periodic check
// never fires during a test, closed when the test ends.
func newTestManager(t *testing.T, mutate ...func(*Config)) (*Manager, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: testStart}
	cfg := DefaultConfig()
	cfg.CheckInterval = 24 * time.Hour
	cfg.Now = clock.Now
	for _, f := range mutate {
		f(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	return m, clock
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// returns reports whether ch delivers within a generous deadline.
func returns(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-time.After(10 * time.Second):
		return false
	}
}

func TestEnforceAllDeletesWhatThePlanSays(t *testing.T) {
	m, clock := newTestManager(t)
	p := newFakePartition(5, testStart, 0)
	m.Add("t-0", p, fixed(oneHour))

	if err := m.EnforceAll(context.Background()); err != nil {
		t.Fatalf("EnforceAll: %v", err)
	}
	if p.count() != 5 {
		t.Fatalf("fresh segments deleted: %d left, want 5", p.count())
	}

	clock.Advance(time.Hour + time.Millisecond)
	want := PlanLocal(clock.Now(), oneHour, p.RetentionSegments())
	if err := m.EnforceAll(context.Background()); err != nil {
		t.Fatalf("EnforceAll: %v", err)
	}
	if got := p.count(); got != 5-want.Delete || want.Delete != 4 {
		t.Errorf("%d segments left, want %d (plan %+v)", got, 5-want.Delete, want)
	}
	if p.logStart != want.LogStartOffset {
		t.Errorf("log start offset %d, want %d", p.logStart, want.LogStartOffset)
	}
	wantStats := Stats{Runs: 2, SegmentsDeleted: 4, BytesDeleted: 400}
	if got := m.Stats(); got != wantStats {
		t.Errorf("Stats() = %+v, want %+v", got, wantStats)
	}
}

func TestEnforceReturnsPlanAndIsIdempotent(t *testing.T) {
	m, _ := newTestManager(t)
	p := newFakePartition(4, testStart, 2*time.Hour)
	m.Add("t-0", p, fixed(oneHour))

	plan, err := m.Enforce(context.Background(), "t-0")
	want := Plan{Delete: 3, LogStartOffset: 30, BytesFreed: 300, Reason: ReasonTime}
	if err != nil || plan != want {
		t.Fatalf("Enforce = %+v, %v; want %+v", plan, err, want)
	}
	plan, err = m.Enforce(context.Background(), "t-0")
	if err != nil || !plan.Empty() {
		t.Errorf("second Enforce = %+v, %v; want an empty plan", plan, err)
	}
	if p.deleteCalls() != 1 {
		t.Errorf("DeleteSegmentsBefore called %d times, want 1", p.deleteCalls())
	}
}

func TestPolicyChangesAreReadAtEachEnforcement(t *testing.T) {
	m, _ := newTestManager(t)
	p := newFakePartition(4, testStart, 0)
	var policy policyVar
	policy.Set(keepAll)
	m.Add("t-0", p, policy.Get)

	if _, err := m.Enforce(context.Background(), "t-0"); err != nil || p.count() != 4 {
		t.Fatalf("Enforce: %v, %d segments left; want 4", err, p.count())
	}
	policy.Set(Policy{RetentionMs: Unlimited, RetentionBytes: 200})
	if _, err := m.Enforce(context.Background(), "t-0"); err != nil || p.count() != 2 {
		t.Fatalf("Enforce after change: %v, %d segments left; want 2", err, p.count())
	}
}

func TestInvalidPolicyFailsTheEnforcement(t *testing.T) {
	m, _ := newTestManager(t)
	p := newFakePartition(3, testStart, 10*time.Hour)
	m.Add("t-0", p, fixed(Policy{RetentionMs: -7, RetentionBytes: Unlimited}))

	_, err := m.Enforce(context.Background(), "t-0")
	if !errors.Is(err, ErrInvalidPolicy) {
		t.Fatalf("Enforce = %v, want ErrInvalidPolicy", err)
	}
	if p.deleteCalls() != 0 {
		t.Error("segments deleted under an invalid policy")
	}
	if s := m.Stats(); s.Errors != 1 || s.Runs != 1 {
		t.Errorf("Stats() = %+v, want 1 run and 1 error", s)
	}
}

func TestOnePartitionsFailureDoesNotStopTheOthers(t *testing.T) {
	var logs lockedBuffer
	m, _ := newTestManager(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&logs, nil)) })
	a := newFakePartition(3, testStart, 10*time.Hour)
	a.err = errFakeLog
	b := newFakePartition(3, testStart, 10*time.Hour)
	c := newFakePartition(3, testStart, 10*time.Hour)
	m.Add("a", a, fixed(oneHour))
	m.Add("b", b, fixed(oneHour))
	m.Add("c", c, fixed(oneHour))

	err := m.EnforceAll(context.Background())
	if !errors.Is(err, errFakeLog) || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("EnforceAll = %v, want the failure of partition a", err)
	}
	if b.count() != 1 || c.count() != 1 {
		t.Errorf("segments left: b %d, c %d; want 1 each", b.count(), c.count())
	}
	if s := m.Stats(); s.Runs != 3 || s.Errors != 1 || s.SegmentsDeleted != 4 {
		t.Errorf("Stats() = %+v, want 3 runs, 1 error, 4 segments deleted", s)
	}
	if out := logs.String(); !strings.Contains(out, "retention enforcement failed") ||
		!strings.Contains(out, "partition=a") {
		t.Errorf("failure not logged; log:\n%s", out)
	}
}

func TestEnforceUnknownAndRemovedPartitions(t *testing.T) {
	m, _ := newTestManager(t)
	if _, err := m.Enforce(context.Background(), "nope"); !errors.Is(err, ErrUnknownPartition) {
		t.Errorf("Enforce(unknown) = %v, want ErrUnknownPartition", err)
	}
	p := newFakePartition(3, testStart, 10*time.Hour)
	m.Add("t-0", p, fixed(oneHour))
	m.Remove("t-0")
	m.Remove("t-0") // removing twice is harmless
	if _, err := m.Enforce(context.Background(), "t-0"); !errors.Is(err, ErrUnknownPartition) {
		t.Errorf("Enforce(removed) = %v, want ErrUnknownPartition", err)
	}
	if err := m.EnforceAll(context.Background()); err != nil {
		t.Errorf("EnforceAll = %v", err)
	}
	if p.deleteCalls() != 0 {
		t.Error("a removed partition was enforced")
	}
}

func TestAddReplacesARegistration(t *testing.T) {
	m, _ := newTestManager(t)
	old := newFakePartition(3, testStart, 10*time.Hour)
	cur := newFakePartition(3, testStart, 10*time.Hour)
	m.Add("t-0", old, fixed(oneHour))
	m.Add("t-0", cur, fixed(oneHour))
	if err := m.EnforceAll(context.Background()); err != nil {
		t.Fatalf("EnforceAll: %v", err)
	}
	if old.deleteCalls() != 0 || cur.count() != 1 {
		t.Errorf("replaced partition called %d times; current has %d segments, want 1",
			old.deleteCalls(), cur.count())
	}
}

func TestRemoveWaitsForEnforcementInProgress(t *testing.T) {
	m, _ := newTestManager(t)
	b := newBlockingPartition(newFakePartition(3, testStart, 10*time.Hour))
	m.Add("t-0", b, fixed(oneHour))

	go func() { _, _ = m.Enforce(context.Background(), "t-0") }()
	if !returns(b.entered) {
		t.Fatal("enforcement never reached the partition")
	}
	removed := make(chan struct{})
	go func() { m.Remove("t-0"); close(removed) }()
	close(b.release)
	if !returns(removed) {
		t.Fatal("Remove did not return")
	}
	if !b.returned.Load() {
		t.Error("Remove returned while the partition was still being enforced")
	}
}

func TestEnforceHonoursContext(t *testing.T) {
	m, _ := newTestManager(t)
	p := newFakePartition(3, testStart, 10*time.Hour)
	m.Add("t-0", p, fixed(oneHour))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.EnforceAll(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("EnforceAll = %v, want context.Canceled", err)
	}
	if _, err := m.Enforce(ctx, "t-0"); !errors.Is(err, context.Canceled) {
		t.Errorf("Enforce = %v, want context.Canceled", err)
	}
	if p.deleteCalls() != 0 {
		t.Error("enforced under a canceled context")
	}
}

// lockedBuffer is a bytes.Buffer safe for a logger and a test to share.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAddPanicsOnNil(t *testing.T) {
	m, _ := newTestManager(t)
	for name, add := range map[string]func(){
		"partition": func() { m.Add("t-0", nil, fixed(oneHour)) },
		"policy":    func() { m.Add("t-0", newFakePartition(1, testStart, 0), nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Add with a nil %s did not panic", name)
				}
			}()
			add()
		}()
	}
}
