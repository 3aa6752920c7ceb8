package replication

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/strata-streaming/strata/replication/controller"
)

// hookLog records the OnOpen and OnClose calls.
type hookLog struct {
	mu    sync.Mutex
	calls []string
}

func (h *hookLog) open(p *Partition)  { h.add("open " + dirName(p.Topic(), p.Index())) }
func (h *hookLog) close(p *Partition) { h.add("close " + dirName(p.Topic(), p.Index())) }
func (h *hookLog) add(s string) {
	h.mu.Lock()
	h.calls = append(h.calls, s)
	h.mu.Unlock()
}

func (h *hookLog) take() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.calls
	h.calls = nil
	slices.Sort(c)
	return c
}

// configs maps topic names to their configuration; others get the default.
type configs struct {
	mu  sync.Mutex
	cfg map[string]TopicConfig
	err map[string]error
}

func (c *configs) get(t *controller.Topic) (TopicConfig, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.err[t.Name]; err != nil {
		return TopicConfig{}, err
	}
	if cfg, ok := c.cfg[t.Name]; ok {
		return cfg, nil
	}
	return DefaultTopicConfig(), nil
}

func (c *configs) set(name string, cfg TopicConfig) {
	c.mu.Lock()
	c.cfg[name] = cfg
	c.mu.Unlock()
}

func hookedManager(t *testing.T, dir string) (*Manager, *hookLog, *configs) {
	t.Helper()
	hooks := &hookLog{}
	cfgs := &configs{cfg: map[string]TopicConfig{}, err: map[string]error{}}
	mc := DefaultManagerConfig(dir)
	mc.NodeID = testNode
	mc.ProducerIDExpirationCheckIntervalMs = -1
	mc.TopicConfig, mc.OnOpen, mc.OnClose = cfgs.get, hooks.open, hooks.close
	m, err := NewManager(mc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m, hooks, cfgs
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestApplyCreatesAndDeletes(t *testing.T) {
	dir := t.TempDir()
	m, hooks, _ := hookedManager(t, dir)
	a, b := newTopic("a", 1, 2), newTopic("b-x.y", 2, 1)
	mustApply(t, m, newImage(a, b))
	if got := hooks.take(); !slices.Equal(got, []string{"open a-0", "open a-1", "open b-x.y-0"}) {
		t.Fatalf("hooks %v", got)
	}
	data, err := os.ReadFile(filepath.Join(dir, "a-1", metadataName))
	if err != nil || string(data) != "version: 0\ntopic_id: Ae4AAAAAAAAAAAAAAAAAAQ\n" {
		t.Fatalf("partition.metadata %q, %v", data, err)
	}
	p := mustPartition(t, m, "b-x.y", 0)
	mustProduce(t, p, plain(3, 0), 1)
	if q, err := m.PartitionByID(b.ID, 0); err != nil || q != p {
		t.Fatalf("by id: %v", err)
	}
	if n := len(m.Partitions()); n != 3 {
		t.Fatalf("%d partitions", n)
	}

	mustApply(t, m, newImage(a))
	if got := hooks.take(); !slices.Equal(got, []string{"close b-x.y-0"}) {
		t.Fatalf("hooks %v", got)
	}
	if exists(filepath.Join(dir, "b-x.y-0")) {
		t.Fatal("the deleted topic's directory is still there")
	}
	if _, err := p.Produce(t.Context(), plain(1, 0), 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("produce to a deleted partition: %v", err)
	}
	_, err = m.Partition("b-x.y", 0)
	wantErr(t, err, ErrUnknownTopicOrPartition)
	_, err = m.PartitionByID(b.ID, 0)
	wantErr(t, err, ErrUnknownTopicID)
}

func TestRecreatedTopicStartsEmpty(t *testing.T) {
	dir := t.TempDir()
	m := testManager(t, dir, DefaultTopicConfig(), nil)
	mustApply(t, m, newImage(newTopic("t", 1, 1)))
	mustProduce(t, mustPartition(t, m, "t", 0), plain(5, 0), 1)
	// The topic is deleted and recreated between two images.
	mustApply(t, m, newImage(newTopic("t", 2, 1)))
	p := mustPartition(t, m, "t", 0)
	if p.LogEndOffset() != 0 || p.TopicID() != newTopic("t", 2, 1).ID {
		t.Fatalf("recreated topic: log end %d, id %x", p.LogEndOffset(), p.TopicID())
	}
}

func TestDirOfAnotherTopicIDIsDeleted(t *testing.T) {
	dir := t.TempDir()
	m := testManager(t, dir, DefaultTopicConfig(), nil)
	mustApply(t, m, newImage(newTopic("t", 1, 1)))
	mustProduce(t, mustPartition(t, m, "t", 0), plain(5, 0), 1)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// Restarted with an image where t was recreated while this broker was
	// down, and a directory with no metadata at all.
	if err := os.MkdirAll(filepath.Join(dir, "u-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "u-0", "00000000000000000000.log"), []byte("junk"), 0o644)
	m = testManager(t, dir, DefaultTopicConfig(), nil)
	mustApply(t, m, newImage(newTopic("t", 9, 1), newTopic("u", 3, 1)))
	for _, name := range []string{"t", "u"} {
		if p := mustPartition(t, m, name, 0); p.LogEndOffset() != 0 {
			t.Fatalf("%s kept old data: log end %d", name, p.LogEndOffset())
		}
	}
}

func TestStraysWaitForTheFirstApply(t *testing.T) {
	dir := t.TempDir()
	m := testManager(t, dir, DefaultTopicConfig(), nil)
	mustApply(t, m, newImage(newTopic("gone", 1, 1), newTopic("kept", 2, 1)))
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	// A crash in the middle of a delete, and directories that are not
	// partitions of ours.
	half := filepath.Join(dir, "old-3.0123456789abcdef-delete")
	for _, d := range []string{half, filepath.Join(dir, "notes"), filepath.Join(dir, "__cluster_metadata-0")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	m = testManager(t, dir, DefaultTopicConfig(), nil)
	if !exists(filepath.Join(dir, "gone-0")) {
		t.Fatal("a stray was deleted before any image proved it unknown")
	}
	mustApply(t, m, newImage(newTopic("kept", 2, 1)))
	for path, want := range map[string]bool{
		"gone-0": false, half: false, "kept-0": true, "notes": true, "__cluster_metadata-0": true,
	} {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if exists(path) != want {
			t.Errorf("%s exists: %v, want %v", path, !want, want)
		}
	}
}

func TestApplyReconfigures(t *testing.T) {
	m, hooks, cfgs := hookedManager(t, t.TempDir())
	topic := newTopic("t", 1, 1)
	img := newImage(topic)
	mustApply(t, m, img)
	hooks.take()
	p := mustPartition(t, m, "t", 0)
	mustProduce(t, p, plain(3, 0), -1)
	oldLog := p.Log()

	// A change outside the log applies in place.
	cfg := DefaultTopicConfig()
	cfg.MaxMessageBytes = 100
	cfgs.set("t", cfg)
	mustApply(t, m, img)
	if got := hooks.take(); len(got) != 0 || p.Log() != oldLog {
		t.Fatalf("hooks %v; log replaced: %v", got, p.Log() != oldLog)
	}
	wantErr(t, produceErr(p, plain(20, 0)), ErrMessageTooLarge)

	// A log change reopens the log between the hooks.
	cfg.Log.Segment.SegmentBytes = 4096
	cfgs.set("t", cfg)
	mustApply(t, m, img)
	if got := hooks.take(); !slices.Equal(got, []string{"close t-0", "open t-0"}) || p.Log() == oldLog {
		t.Fatalf("hooks %v; log replaced: %v", got, p.Log() != oldLog)
	}
	if p.Config().Log.Segment.SegmentBytes != 4096 || p.LogEndOffset() != 3 {
		t.Fatalf("after reopen: segment.bytes %d, log end %d", p.Config().Log.Segment.SegmentBytes, p.LogEndOffset())
	}
	mustProduce(t, p, plain(1, 0), -1)
	if p.HighWatermark() != 4 {
		t.Fatalf("high watermark %d", p.HighWatermark())
	}
}

func TestBadTopicConfig(t *testing.T) {
	m, _, cfgs := hookedManager(t, t.TempDir())
	cfgs.err["bad"] = errors.New("no such config")
	img := newImage(newTopic("bad", 1, 1), newTopic("good", 2, 1))
	if err := m.Apply(img); err == nil {
		t.Fatal("a bad topic config was not reported")
	}
	_, err := m.Partition("bad", 0)
	wantErr(t, err, ErrOffline)
	mustPartition(t, m, "good", 0)
	// Fixed, the partition opens on the next Apply.
	delete(cfgs.err, "bad")
	mustApply(t, m, img)
	mustPartition(t, m, "bad", 0)
	// A config that breaks later leaves the open partition running.
	cfgs.err["bad"] = fmt.Errorf("broken again")
	if err := m.Apply(img); err == nil {
		t.Fatal("not reported")
	}
	mustProduce(t, mustPartition(t, m, "bad", 0), plain(1, 0), 1)
}

func TestLookupErrors(t *testing.T) {
	m := testManager(t, t.TempDir(), DefaultTopicConfig(), nil)
	_, err := m.Partition("t", 0)
	wantErr(t, err, ErrUnknownTopicOrPartition)
	topic := newTopic("t", 1, 3)
	topic.Partitions[1].Replicas, topic.Partitions[1].Leader = []int32{7}, 7
	topic.Partitions[2].Replicas, topic.Partitions[2].Leader = []int32{testNode, 7}, 7
	mustApply(t, m, newImage(topic))
	mustPartition(t, m, "t", 0)
	_, err = m.Partition("t", 1) // not hosted here
	wantErr(t, err, ErrNotLeader)
	_, err = m.Partition("t", 2) // hosted, led elsewhere
	wantErr(t, err, ErrNotLeader)
	_, err = m.Partition("t", 3)
	wantErr(t, err, ErrUnknownTopicOrPartition)
	_, err = m.PartitionByID(topic.ID, 1)
	wantErr(t, err, ErrNotLeader)
	_, err = m.PartitionByID(controller.TopicID{1}, 0)
	wantErr(t, err, ErrUnknownTopicID)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = m.Partition("t", 0)
	wantErr(t, err, ErrClosed)
	wantErr(t, m.Apply(newImage(topic)), ErrClosed)
}

func TestDirNames(t *testing.T) {
	for _, c := range []struct {
		name  string
		topic string
		index int32
		ok    bool
	}{
		{"t-0", "t", 0, true}, {"a-b-12", "a-b", 12, true}, {"x.y-3", "x.y", 3, true},
		{"t-", "", 0, false}, {"-1", "", 0, false}, {"t", "", 0, false}, {"t-+1", "", 0, false},
		{"t-0.abc-delete", "", 0, false}, {"t--1", "t-", 1, true},
	} {
		topic, index, ok := parseDirName(c.name)
		if ok != c.ok || (ok && (topic != c.topic || index != c.index)) {
			t.Errorf("parseDirName(%q) = %q, %d, %v", c.name, topic, index, ok)
		}
	}
	if !isDeletedDir("t-0.0123abcd-delete") || isDeletedDir("t-0-delete") || isDeletedDir("x.y-delete") {
		t.Error("isDeletedDir")
	}
	id := controller.TopicID{0xfb, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}
	got, err := unmarshalMetadata(marshalMetadata(id))
	if err != nil || got != id {
		t.Fatalf("metadata round trip: %x %v", got, err)
	}
	if _, err := unmarshalMetadata([]byte("version: 1\ntopic_id: x\n")); err == nil {
		t.Fatal("bad metadata accepted")
	}
}
