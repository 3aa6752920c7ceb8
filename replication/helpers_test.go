package replication

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

const testNode = 1

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.UnixMilli(1_700_000_000_000)} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTopic is a topic of n partitions, each with this node as its only
// replica and leader at epoch 0.
func newTopic(name string, id byte, n int) *controller.Topic {
	t := &controller.Topic{Name: name, ID: controller.TopicID{id, 0xee, 15: id}}
	for i := range n {
		t.Partitions = append(t.Partitions, controller.Partition{
			Index: int32(i), Replicas: []int32{testNode}, ISR: []int32{testNode}, Leader: testNode,
		})
	}
	return t
}

// newImage is an image holding topics, at a growing offset.
func newImage(topics ...*controller.Topic) *controller.Image {
	img := &controller.Image{Offset: 1, Topics: map[string]*controller.Topic{}}
	for _, t := range topics {
		img.Topics[t.Name] = t
	}
	return img
}

// withEpoch returns a copy of t whose partitions are at leader epoch e.
func withEpoch(t *controller.Topic, e int32) *controller.Topic {
	c := *t
	c.Partitions = append([]controller.Partition(nil), t.Partitions...)
	for i := range c.Partitions {
		c.Partitions[i].LeaderEpoch = e
	}
	return &c
}

// smallTopicConfig rolls segments every 1 KiB.
func smallTopicConfig() TopicConfig {
	cfg := DefaultTopicConfig()
	cfg.Log.Segment.SegmentBytes = 1024
	cfg.Log.Segment.IndexIntervalBytes = 128
	return cfg
}

// testManager opens a manager over dir whose topics all get cfg, without
// the periodic expiration check.
func testManager(t *testing.T, dir string, cfg TopicConfig, clk *testClock) *Manager {
	t.Helper()
	mc := DefaultManagerConfig(dir)
	mc.NodeID = testNode
	mc.ProducerIDExpirationCheckIntervalMs = -1
	mc.TopicConfig = func(*controller.Topic) (TopicConfig, error) { return cfg, nil }
	if clk != nil {
		mc.Now = clk.now
	}
	m, err := NewManager(mc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// openOne opens a manager holding one single-partition topic and returns
// its partition.
func openOne(t *testing.T, cfg TopicConfig) (*Manager, *Partition) {
	t.Helper()
	m := testManager(t, t.TempDir(), cfg, nil)
	mustApply(t, m, newImage(newTopic("t", 1, 1)))
	return m, mustPartition(t, m, "t", 0)
}

func mustApply(t *testing.T, m *Manager, img *controller.Image) {
	t.Helper()
	if err := m.Apply(img); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

func mustPartition(t *testing.T, m *Manager, topic string, index int32) *Partition {
	t.Helper()
	p, err := m.Partition(topic, index)
	if err != nil {
		t.Fatalf("partition %s-%d: %v", topic, index, err)
	}
	return p
}

func mustProduce(t *testing.T, p *Partition, b []byte, acks int16) ProduceResult {
	t.Helper()
	res, err := p.Produce(context.Background(), b, acks)
	if err != nil {
		t.Fatalf("produce: %v", err)
	}
	return res
}

// idem builds an idempotent batch of n records.
func idem(pid int64, epoch int16, seq int32, n int) []byte {
	return batchtest.Values(n, 10, batchtest.Options{Idempotent: true, ProducerID: pid, ProducerEpoch: epoch, BaseSequence: seq})
}

// plain builds a non-idempotent batch of n records from timestamp ts.
func plain(n int, ts int64) []byte {
	return batchtest.Values(n, 10, batchtest.Options{BaseTimestamp: ts})
}

// readHeaders reads the partition from its log start to its high
// watermark and returns the batch headers.
func readHeaders(t *testing.T, p *Partition) []batch.Header {
	t.Helper()
	var out []batch.Header
	for off := p.LogStartOffset(); off < p.HighWatermark(); {
		recs, err := p.Read(context.Background(), off, 1<<20, ReadUncommitted)
		if err != nil {
			t.Fatalf("read %d: %v", off, err)
		}
		buf, err := recs.AppendTo(nil)
		next := recs.NextOffset
		recs.Close()
		if err != nil {
			t.Fatal(err)
		}
		it := batch.NewIter(buf)
		for {
			h, b, ok := it.Next()
			if !ok {
				break
			}
			if _, err := batch.Validate(b); err != nil {
				t.Fatalf("batch at %d: %v", h.BaseOffset, err)
			}
			out = append(out, h)
		}
		off = next
	}
	return out
}

// countRecords sums the records of headers.
func countRecords(headers []batch.Header) int {
	n := 0
	for _, h := range headers {
		n += int(h.NumRecords)
	}
	return n
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

// copyDir copies a directory tree: a copy taken while a manager runs is
// what a crash at that instant leaves (everything written is in the page
// cache), without the clean-shutdown files.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	// The manager keeps writing while the copy is taken (a background
	// seal renames its checkpoint, say): a file gone between the listing
	// and its open is left out, as a crash at that moment would leave it.
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		defer out.Close()
		_, err = io.Copy(out, in)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// batchIdemAt builds a one-record idempotent batch with timestamp ts.
func batchIdemAt(pid int64, seq int32, ts int64) []byte {
	return batchtest.Values(1, 10, batchtest.Options{Idempotent: true, ProducerID: pid, BaseSequence: seq, BaseTimestamp: ts})
}
