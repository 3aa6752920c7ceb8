package handler

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// inSession sets r's session id and epoch.
func inSession(r *kmsg.FetchRequest, id, epoch int32) *kmsg.FetchRequest {
	r.SessionID, r.SessionEpoch = id, epoch
	return r
}

// openFetchSession creates a session over parts and returns its id.
func openFetchSession(t *testing.T, h *Handler, f *fetchFakes, v int16, parts ...fetchPart) (int32, *kmsg.FetchResponse) {
	t.Helper()
	resp := fetchDo(t, h, f, inSession(fetchRequest(v, parts...), 0, 0))
	if resp.ErrorCode != 0 || resp.SessionID == 0 {
		t.Fatalf("no session created: error %d, id %d", resp.ErrorCode, resp.SessionID)
	}
	if got := fetchPartitionCount(resp); got != len(parts) {
		t.Fatalf("full response has %d partitions, want %d", got, len(parts))
	}
	return resp.SessionID, resp
}

func TestFetchSessionIncremental(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	a, b := f.add(t, "a", 0), f.add(t, "b", 0)
	a.produce(t, 1, 10, true)
	id, _ := openFetchSession(t, h, f, 12, fetchPart{topic: "a", offset: 1}, fetchPart{topic: "b"})

	// Nothing changed: nothing to say.
	resp := fetchDo(t, h, f, inSession(fetchRequest(12), id, 1))
	if resp.ErrorCode != 0 || resp.SessionID != id || fetchPartitionCount(resp) != 0 {
		t.Fatalf("unchanged session: %+v", resp)
	}

	// New records on b: only b, fetched from the remembered offset.
	want := len(b.produce(t, 1, 10, true))
	resp = fetchDo(t, h, f, inSession(fetchRequest(12), id, 2))
	if fetchPartitionCount(resp) != 1 || len(fetchPartitionOf(t, resp, "b", 0).RecordBatches) != want {
		t.Fatalf("after a produce to b: %+v", resp.Topics)
	}

	// The client moves b on, which is not news; a's last stable offset
	// moves, which is.
	a.setOffsets(1, 0)
	resp = fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "b", offset: 1}), id, 3))
	if fetchPartitionCount(resp) != 1 {
		t.Fatalf("after moving b: %+v", resp.Topics)
	}
	if got := fetchPartitionOf(t, resp, "a", 0); got.LastStableOffset != 0 || len(got.RecordBatches) != 0 {
		t.Fatalf("a: %+v", got)
	}

	// An error is always sent, and once it clears the partition is sent
	// again.
	f.codes[fetchKey{topic: "b"}] = kerr.NotLeaderForPartition.Code
	for epoch := int32(4); epoch < 6; epoch++ {
		resp = fetchDo(t, h, f, inSession(fetchRequest(12), id, epoch))
		if got := fetchPartitionOf(t, resp, "b", 0); got.ErrorCode != kerr.NotLeaderForPartition.Code || fetchPartitionCount(resp) != 1 {
			t.Fatalf("epoch %d: %+v", epoch, resp.Topics)
		}
	}
	delete(f.codes, fetchKey{topic: "b"})
	resp = fetchDo(t, h, f, inSession(fetchRequest(12), id, 6))
	if got := fetchPartitionOf(t, resp, "b", 0); got.ErrorCode != 0 || got.HighWatermark != 1 || fetchPartitionCount(resp) != 1 {
		t.Fatalf("after the error: %+v", resp.Topics)
	}
}

func TestFetchSessionForget(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	a, b := f.add(t, "a", 0), f.add(t, "b", 0)
	id, _ := openFetchSession(t, h, f, 13, fetchPart{topic: "a"}, fetchPart{topic: "b"})
	r := inSession(fetchRequest(13), id, 1)
	r.ForgottenTopics = []kmsg.FetchRequestForgottenTopic{{TopicID: fetchTopicID("a"), Partitions: []int32{0}}}
	fetchDo(t, h, f, r)
	a.produce(t, 1, 10, true)
	b.produce(t, 1, 10, true)
	resp := fetchDo(t, h, f, inSession(fetchRequest(13), id, 2))
	if fetchPartitionCount(resp) != 1 || findFetchPartition(resp, "b", 0) == nil {
		t.Fatalf("after forgetting a: %+v", resp.Topics)
	}

	// Forgetting the last partition ends the session.
	r = inSession(fetchRequest(13), id, 3)
	r.ForgottenTopics = []kmsg.FetchRequestForgottenTopic{{TopicID: fetchTopicID("b"), Partitions: []int32{0}}}
	if resp := fetchDo(t, h, f, r); resp.ErrorCode != 0 || resp.SessionID != 0 {
		t.Fatalf("emptied session: error %d, id %d", resp.ErrorCode, resp.SessionID)
	}
	if resp := fetchDo(t, h, f, inSession(fetchRequest(13), id, 4)); resp.ErrorCode != kerr.FetchSessionIDNotFound.Code {
		t.Fatalf("after the session ended: error %d", resp.ErrorCode)
	}
}

func TestFetchSessionErrors(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	f.add(t, "a", 0)
	id, _ := openFetchSession(t, h, f, 12, fetchPart{topic: "a"})
	for _, tc := range []struct {
		name      string
		v         int16
		id, epoch int32
		code      int16
	}{
		{"unknown id", 12, id + 1, 1, kerr.FetchSessionIDNotFound.Code},
		{"no id", 12, 0, 1, kerr.FetchSessionIDNotFound.Code},
		{"stale epoch", 12, id, 7, kerr.InvalidFetchSessionEpoch.Code},
		{"topic ids in a session of names", 13, id, 1, kerr.FetchSessionTopicIDError.Code},
		{"the right epoch", 12, id, 1, 0},
		{"the same epoch again", 12, id, 1, kerr.InvalidFetchSessionEpoch.Code},
	} {
		resp := fetchDo(t, h, f, inSession(fetchRequest(tc.v), tc.id, tc.epoch))
		if resp.ErrorCode != tc.code || (tc.code != 0 && (resp.SessionID != 0 || len(resp.Topics) != 0)) {
			t.Errorf("%s: error %d, id %d, %d topics; want error %d", tc.name, resp.ErrorCode, resp.SessionID, len(resp.Topics), tc.code)
		}
	}
}

func TestFetchSessionClose(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	f.add(t, "a", 0)
	id, _ := openFetchSession(t, h, f, 12, fetchPart{topic: "a"})
	other, _ := openFetchSession(t, h, f, 12, fetchPart{topic: "a"})

	// A sessionless fetch without an id closes nothing.
	if resp := fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "a"}), 0, -1)); resp.SessionID != 0 || fetchPartitionCount(resp) != 1 {
		t.Fatalf("sessionless: %+v", resp)
	}
	// Epoch -1 with an id closes that session; so does a new session.
	fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "a"}), id, -1))
	fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "a"}), other, 0))
	for _, closed := range []int32{id, other} {
		if resp := fetchDo(t, h, f, inSession(fetchRequest(12), closed, 1)); resp.ErrorCode != kerr.FetchSessionIDNotFound.Code {
			t.Errorf("session %d: error %d, want FETCH_SESSION_ID_NOT_FOUND", closed, resp.ErrorCode)
		}
	}
}

// Partitions that returned records go to the back of the session's read
// order, so that a small response limit serves every partition in turn.
func TestFetchSessionRotates(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	a, b := f.add(t, "a", 0), f.add(t, "b", 0)
	for range 3 {
		a.produce(t, 1, 100, true)
		b.produce(t, 1, 100, true)
	}
	r := inSession(fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "b"}), 0, 0)
	r.MaxBytes = 1
	resp := fetchDo(t, h, f, r)
	if len(fetchPartitionOf(t, resp, "a", 0).RecordBatches) == 0 || len(fetchPartitionOf(t, resp, "b", 0).RecordBatches) != 0 {
		t.Fatalf("full fetch: %+v", resp.Topics)
	}
	for epoch, first := range []string{"a", "b", "a"} {
		r := inSession(fetchRequest(12), resp.SessionID, int32(epoch+1))
		r.MaxBytes = 1
		got := fetchDo(t, h, f, r)
		if len(got.Topics) == 0 || got.Topics[0].Topic != first || len(got.Topics[0].Partitions[0].RecordBatches) == 0 {
			t.Fatalf("epoch %d: %+v, want records from %s first", epoch+1, got.Topics, first)
		}
	}
}

// fetchClock is a settable clock.
type fetchClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fetchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fetchClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newSessionCache replaces h's session cache with one of slots sessions
// and maxPartitions partitions on clock.
func newSessionCache(h *Handler, slots, maxPartitions int, clock *fetchClock) {
	h.state.fetchSessions = newFetchSessionCache(fetchSessionConfig{
		Slots: slots, MaxPartitions: maxPartitions, EvictionAge: time.Minute, Now: clock.Now,
	})
}

func TestFetchSessionEviction(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	clock := &fetchClock{now: time.Unix(1000, 0)}
	newSessionCache(h, 2, 100, clock)
	small := []fetchPart{{topic: "a"}}
	large := []fetchPart{{topic: "a"}, {topic: "b"}}
	noRoom := func(parts []fetchPart, why string) {
		t.Helper()
		if resp := fetchDo(t, h, f, inSession(fetchRequest(12, parts...), 0, 0)); resp.SessionID != 0 || fetchPartitionCount(resp) != len(parts) {
			t.Fatalf("%s: %+v", why, resp)
		}
	}
	touch := func(id, epoch int32, code int16) {
		t.Helper()
		if resp := fetchDo(t, h, f, inSession(fetchRequest(12), id, epoch)); resp.ErrorCode != code {
			t.Fatalf("session %d epoch %d: error %d, want %d", id, epoch, resp.ErrorCode, code)
		}
	}
	first, _ := openFetchSession(t, h, f, 12, large...)
	clock.advance(time.Second)
	second, _ := openFetchSession(t, h, f, 12, small...)
	noRoom(small, "full")
	noRoom(large, "evicted a young session")

	// Both grow older than the eviction age, in use all along.
	for epoch := int32(1); epoch <= 2; epoch++ {
		clock.advance(50 * time.Second)
		touch(first, epoch, 0)
		touch(second, epoch, 0)
	}
	noRoom(small, "evicted a session as large")
	third, _ := openFetchSession(t, h, f, 12, large...) // evicts second, the smaller
	touch(second, 3, kerr.FetchSessionIDNotFound.Code)

	// A session idle past the eviction age goes to any new one.
	clock.advance(30 * time.Second)
	touch(third, 1, 0)
	clock.advance(45 * time.Second) // first idle for 75s, third for 45s
	openFetchSession(t, h, f, 12, small...)
	touch(first, 3, kerr.FetchSessionIDNotFound.Code)
	touch(third, 2, 0)
}

// The cache holds at most so many partitions across its sessions.
func TestFetchSessionPartitionBound(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	newSessionCache(h, 10, 3, &fetchClock{now: time.Unix(1000, 0)})
	id, _ := openFetchSession(t, h, f, 12, fetchPart{topic: "a"}, fetchPart{topic: "b"})
	if resp := fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "c"}, fetchPart{topic: "d"}), 0, 0)); resp.SessionID != 0 {
		t.Fatal("created a session past the partition bound")
	}
	resp := fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "c"}), id, 1))
	if resp.ErrorCode != 0 {
		t.Fatalf("growing to the bound: error %d", resp.ErrorCode)
	}
	resp = fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "d"}), id, 2))
	if resp.ErrorCode != kerr.FetchSessionIDNotFound.Code {
		t.Fatalf("growing past the bound: error %d", resp.ErrorCode)
	}
	if n := h.state.fetchSessions.mu.partitions; n != 0 {
		t.Fatalf("%d partitions still counted", n)
	}
}

func TestFetchSessionsDisabled(t *testing.T) {
	h, f := newFetchHandler(t, map[string]string{fetchSessionSlotsConfig: "0"}), newFetchFakes()
	f.add(t, "a", 0)
	if resp := fetchDo(t, h, f, inSession(fetchRequest(12, fetchPart{topic: "a"}), 0, 0)); resp.SessionID != 0 || fetchPartitionCount(resp) != 1 {
		t.Fatalf("%+v", resp)
	}
}

func TestFetchSessionConfig(t *testing.T) {
	for value, want := range map[string]int{"7": 7, "0": 0, "-1": defaultFetchSessionSlots, "x": defaultFetchSessionSlots} {
		cfg := fetchSessionConfigFrom(map[string]string{fetchSessionSlotsConfig: value}, newFetchHandler(t, nil).log)
		if cfg.Slots != want {
			t.Errorf("%q: %d slots, want %d", value, cfg.Slots, want)
		}
	}
	if nextFetchEpoch(math.MaxInt32) != 1 || nextFetchEpoch(1) != 2 {
		t.Fatal("epochs do not wrap to 1")
	}
}

// Sessions are shared by every connection: many fetchers at once, each on
// its own session and some on none, under the race detector.
func TestFetchSessionsConcurrent(t *testing.T) {
	h, f := newFetchHandler(t, nil), newFetchFakes()
	newSessionCache(h, 4, 100, &fetchClock{now: time.Unix(1000, 0)})
	for i := range 4 {
		f.add(t, fmt.Sprint(i), 0).produce(t, 1, 10, true)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			parts := []fetchPart{{topic: fmt.Sprint(g % 4)}, {topic: fmt.Sprint((g + 1) % 4)}}
			for range 20 {
				resp, err := h.serveFetch(t.Context(), inSession(fetchRequest(12, parts...), 0, 0), f.lookup)
				if err != nil {
					t.Error(err)
					return
				}
				id := fetchSessionIDOf(resp)
				closeFetchResponse(resp)
				for epoch := int32(1); epoch < 4 && id != 0; epoch++ {
					resp, err := h.serveFetch(t.Context(), inSession(fetchRequest(12), id, epoch), f.lookup)
					if err != nil {
						t.Error(err)
						return
					}
					closeFetchResponse(resp)
				}
			}
		})
	}
	wg.Wait()
	c := h.state.fetchSessions
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.mu.sessions) > 4 || c.mu.partitions != 2*len(c.mu.sessions) {
		t.Fatalf("%d sessions holding %d partitions", len(c.mu.sessions), c.mu.partitions)
	}
}

// fetchSessionIDOf is the session id resp carries.
func fetchSessionIDOf(resp kmsg.Response) int32 {
	if b, ok := resp.(*fetchBody); ok {
		return b.SessionID
	}
	return resp.(*kmsg.FetchResponse).SessionID
}

// closeFetchResponse releases a response that is not written.
func closeFetchResponse(resp kmsg.Response) {
	if b, ok := resp.(*fetchBody); ok {
		b.Close()
	}
}
