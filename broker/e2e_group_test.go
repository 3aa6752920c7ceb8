package broker

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// groupMember consumes in a group, committing what it processed before
// any rebalance can move its partitions, so every record is processed
// exactly once across the group.
type groupMember struct {
	cl   *kgo.Client
	stop context.CancelFunc
	done chan struct{}
}

// consumed collects what the group processed.
type consumed struct {
	mu   sync.Mutex
	seen map[produced]int
	n    int
}

func (c *consumed) add(id produced) {
	c.mu.Lock()
	c.seen[id]++
	c.n++
	c.mu.Unlock()
}

func (c *consumed) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func startMember(t *testing.T, b *Broker, group, topic string, out *consumed) *groupMember {
	t.Helper()
	cl := newClient(t, b,
		kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll(),
		kgo.SessionTimeout(6*time.Second), kgo.HeartbeatInterval(500*time.Millisecond),
	)
	ctx, cancel := context.WithCancel(context.Background())
	m := &groupMember{cl: cl, stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		for ctx.Err() == nil {
			fs := cl.PollRecords(ctx, 500)
			fs.EachRecord(func(r *kgo.Record) {
				id, err := parseRecord(r)
				if err != nil {
					t.Error(err)
				}
				out.add(id)
			})
			if err := cl.CommitUncommittedOffsets(context.Background()); err != nil && ctx.Err() == nil {
				t.Errorf("commit: %v", err)
			}
			cl.AllowRebalance()
		}
	}()
	return m
}

// leave stops the member's loop and leaves the group cleanly.
func (m *groupMember) leave() {
	m.stop()
	<-m.done
	m.cl.Close()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConsumerGroupExactlyOnce has three consumers share a topic while
// members join and leave: every record is processed exactly once and the
// committed offsets end at the log end. The offsets survive a restart.
func TestConsumerGroupExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir)
	adm := newAdmin(t, b)
	createTopic(t, adm, "events", 6, nil)
	const perCodec = 3000
	produceAll(t, b, []string{"events"}, perCodec)
	total := perCodec * len(codecs)

	out := &consumed{seen: map[produced]int{}}
	a := startMember(t, b, "g", "events", out)
	waitFor(t, "the first member to consume", func() bool { return out.count() > 0 })
	m2 := startMember(t, b, "g", "events", out)
	m3 := startMember(t, b, "g", "events", out)
	waitFor(t, "a third of the records", func() bool { return out.count() >= total/3 })
	m2.leave()
	waitFor(t, "every record", func() bool { return out.count() >= total })
	a.leave()
	m3.leave()

	out.mu.Lock()
	for id, n := range out.seen {
		if n != 1 {
			t.Errorf("record %+v processed %d times", id, n)
		}
	}
	if len(out.seen) != total || out.n != total {
		t.Fatalf("processed %d distinct of %d records (%d in all)", len(out.seen), total, out.n)
	}
	out.mu.Unlock()
	checkCommittedAtEnd(t, adm, "g", "events")

	b.Close()
	b = startBroker(t, dir)
	checkCommittedAtEnd(t, newAdmin(t, b), "g", "events")
}

// checkCommittedAtEnd checks the group's committed offsets equal the log
// end of every partition.
func checkCommittedAtEnd(t *testing.T, adm *kadm.Client, group, topic string) {
	t.Helper()
	ctx := testContext(t)
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatal(err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		c, ok := committed.Lookup(topic, o.Partition)
		if !ok || c.At != o.Offset {
			t.Errorf("%s/%d: committed %+v, log end %d", topic, o.Partition, c, o.Offset)
		}
	})
}
