package handler

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
	"github.com/strata-streaming/strata/tiered"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// fetchFailAfter bounds every blocking step of the fetch tests, so that a
// bug fails a test instead of hanging it. It is never an assertion on
// timing.
const fetchFailAfter = 20 * time.Second

// fetchFake is a partition over a real log, whose high watermark, last
// stable offset and leader epoch the test sets.
type fetchFake struct {
	log *tiered.Log
	mu  struct {
		sync.Mutex
		hw, lso     int64
		epoch       int32
		changed     chan struct{}
		waits       int // Changed calls
		epochEnd    int64
		epochAnswer int32
	}
}

func newFetchFake(t testing.TB) *fetchFake {
	t.Helper()
	l, err := tiered.Open(t.TempDir(), tiered.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &fetchFake{log: l}
	p.mu.changed = make(chan struct{})
	p.mu.epochAnswer, p.mu.epochEnd = -1, -1
	return p
}

// produce appends one batch of n records of size bytes and returns its
// bytes as the log holds them. commit advances the high watermark and the
// last stable offset to the log end and wakes the fetchers.
func (p *fetchFake) produce(t testing.TB, n, size int, commit bool) []byte {
	t.Helper()
	b := batchtest.Values(n, size, batchtest.Options{BaseTimestamp: 1})
	if _, err := p.log.Append(b, tiered.AppendOptions{LeaderEpoch: -1}); err != nil {
		t.Fatal(err)
	}
	if commit {
		p.setOffsets(p.log.EndOffset(), p.log.EndOffset())
	}
	return b
}

// setOffsets sets the high watermark and last stable offset and wakes the
// fetchers.
func (p *fetchFake) setOffsets(hw, lso int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mu.hw, p.mu.lso = hw, lso
	close(p.mu.changed)
	p.mu.changed = make(chan struct{})
}

func (p *fetchFake) waits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.waits
}

func (p *fetchFake) Read(ctx context.Context, offset int64, maxBytes int, isolation int8) (tiered.Records, error) {
	bound := p.HighWatermark()
	if isolation == replication.ReadCommitted {
		bound = p.LastStableOffset()
	}
	return p.log.Read(ctx, offset, maxBytes, bound)
}

func (p *fetchFake) HighWatermark() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.hw
}

func (p *fetchFake) LastStableOffset() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.lso
}

func (p *fetchFake) LogStartOffset() int64 { return p.log.StartOffset() }

func (p *fetchFake) LeaderEpoch() int32 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.epoch
}

func (p *fetchFake) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mu.waits++
	return p.mu.changed
}

func (p *fetchFake) EndOffsetForEpoch(int32) (int32, int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mu.epochAnswer, p.mu.epochEnd, nil
}

// fetchFakes are the partitions a test fetches from, by name and by id.
type fetchFakes struct {
	parts map[fetchKey]*fetchFake
	codes map[fetchKey]int16 // lookup errors
}

func newFetchFakes() *fetchFakes {
	return &fetchFakes{parts: map[fetchKey]*fetchFake{}, codes: map[fetchKey]int16{}}
}

// add creates partition index of topic, findable by name and by id.
func (f *fetchFakes) add(t testing.TB, topic string, index int32) *fetchFake {
	p := newFetchFake(t)
	f.parts[fetchKey{topic: topic, partition: index}] = p
	f.parts[fetchKey{id: fetchTopicID(topic), partition: index}] = p
	return p
}

func (f *fetchFakes) lookup(key fetchKey) (fetchPartition, int16) {
	if code := f.codes[key]; code != 0 {
		return nil, code
	}
	if p := f.parts[key]; p != nil {
		return p, 0
	}
	if !key.id.IsZero() {
		return nil, kerr.UnknownTopicID.Code
	}
	return nil, kerr.UnknownTopicOrPartition.Code
}

// fetchTopicID is the test id of a topic: its name, padded.
func fetchTopicID(topic string) controller.TopicID {
	var id controller.TopicID
	copy(id[:], topic)
	return id
}

// fetchTestCluster serves an empty metadata image.
type fetchTestCluster struct {
	Cluster
	img *controller.Image
}

func (c fetchTestCluster) Image() *controller.Image { return c.img }

// fetchTestPartitions stands in for the broker's partitions, which
// serveFetch tests do not use: they pass their own lookup.
type fetchTestPartitions struct{ fetchAnyPartitions }

// fetchAnyPartitions names Partitions for embedding: its field name would
// clash with the method Partitions.
type fetchAnyPartitions = Partitions

type fetchTestGroups struct{ Groups }

// newFetchHandler builds a Handler for serveFetch tests; config is the
// broker configuration.
func newFetchHandler(t *testing.T, config map[string]string) *Handler {
	t.Helper()
	h, err := New(Deps{
		Cluster:    fetchTestCluster{img: &controller.Image{}},
		Partitions: fetchTestPartitions{},
		Groups:     fetchTestGroups{},
		Config:     config,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// fetchPart is one partition of a test request.
type fetchPart struct {
	topic     string
	partition int32
	offset    int64
	maxBytes  int32
	epoch     int32 // current leader epoch; 0 in tests means -1
}

// fetchRequest builds a request at version v for parts, with Kafka's
// defaults and no wait.
func fetchRequest(v int16, parts ...fetchPart) *kmsg.FetchRequest {
	r := kmsg.NewPtrFetchRequest()
	r.Version = v
	r.MaxBytes = 50 << 20
	last := ""
	for _, p := range parts {
		if len(r.Topics) == 0 || last != p.topic {
			last = p.topic
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic = p.topic
			if v >= 13 {
				rt.Topic, rt.TopicID = "", fetchTopicID(p.topic)
			}
			r.Topics = append(r.Topics, rt)
		}
		rp := kmsg.NewFetchRequestTopicPartition()
		rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = p.partition, p.offset, p.maxBytes
		if rp.PartitionMaxBytes == 0 {
			rp.PartitionMaxBytes = 1 << 20
		}
		if p.epoch != 0 {
			rp.CurrentLeaderEpoch = p.epoch
		}
		t := &r.Topics[len(r.Topics)-1]
		t.Partitions = append(t.Partitions, rp)
	}
	return r
}

// fetchContextT is a context bounded by fetchFailAfter.
func fetchContextT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), fetchFailAfter)
	t.Cleanup(cancel)
	return ctx
}

// fetchDo serves r and returns the response decoded as a client sees it.
func fetchDo(t *testing.T, h *Handler, f *fetchFakes, r *kmsg.FetchRequest) *kmsg.FetchResponse {
	t.Helper()
	resp, err := h.serveFetch(fetchContextT(t), r, f.lookup)
	if err != nil {
		t.Fatalf("serveFetch: %v", err)
	}
	return decodeFetchResponse(t, resp)
}

// decodeFetchResponse encodes resp as the wire layer would and decodes it
// with kmsg.
func decodeFetchResponse(t *testing.T, resp kmsg.Response) *kmsg.FetchResponse {
	t.Helper()
	body := fetchBodyBytes(t, resp)
	out := kmsg.NewPtrFetchResponse()
	out.Version = resp.GetVersion()
	if err := out.ReadFrom(body); err != nil {
		t.Fatalf("decode fetch response: %v", err)
	}
	return out
}

// fetchBodyBytes is the encoded body of resp: written by WriteBody for a
// fetchBody, encoded by kmsg otherwise.
func fetchBodyBytes(t *testing.T, resp kmsg.Response) []byte {
	t.Helper()
	b, ok := resp.(*fetchBody)
	if !ok {
		return resp.AppendTo(nil)
	}
	var buf fetchBuffer
	if err := b.WriteBody(&buf); err != nil {
		t.Fatalf("WriteBody: %v", err)
	}
	if len(buf.b) != b.BodySize() {
		t.Fatalf("WriteBody wrote %d bytes, BodySize %d", len(buf.b), b.BodySize())
	}
	return buf.b
}

// fetchBuffer is a plain writer, without ReadFrom, like the socket's.
type fetchBuffer struct{ b []byte }

func (w *fetchBuffer) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// fetchPartitionOf returns the response partition for topic/partition,
// failing if it is missing.
func fetchPartitionOf(t *testing.T, resp *kmsg.FetchResponse, topic string, partition int32) *kmsg.FetchResponseTopicPartition {
	t.Helper()
	if p := findFetchPartition(resp, topic, partition); p != nil {
		return p
	}
	t.Fatalf("response has no %s/%d: %+v", topic, partition, resp.Topics)
	return nil
}

// findFetchPartition returns the response partition for topic/partition,
// or nil.
func findFetchPartition(resp *kmsg.FetchResponse, topic string, partition int32) *kmsg.FetchResponseTopicPartition {
	for i := range resp.Topics {
		rt := &resp.Topics[i]
		if rt.Topic != topic && rt.TopicID != fetchTopicID(topic) {
			continue
		}
		for j := range rt.Partitions {
			if rt.Partitions[j].Partition == partition {
				return &rt.Partitions[j]
			}
		}
	}
	return nil
}

// fetchPartitionCount is the number of partitions in resp.
func fetchPartitionCount(resp *kmsg.FetchResponse) int {
	n := 0
	for _, rt := range resp.Topics {
		n += len(rt.Partitions)
	}
	return n
}
