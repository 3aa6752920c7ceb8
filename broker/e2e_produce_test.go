package broker

import (
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// codecs are the producer compressions Kafka clients use.
var codecs = []struct {
	name  string
	codec kgo.CompressionCodec
}{
	{"none", kgo.NoCompression()},
	{"gzip", kgo.GzipCompression()},
	{"snappy", kgo.SnappyCompression()},
	{"lz4", kgo.Lz4Compression()},
	{"zstd", kgo.ZstdCompression()},
}

// produced identifies a record by the producer that sent it and its
// sequence in that producer's stream.
type produced struct {
	codec string
	seq   int
}

// produceAll sends n records per codec, keyed and with headers, spread over
// the topics; each codec's producer is idempotent (franz-go's default).
func produceAll(t *testing.T, b *Broker, topics []string, n int) {
	t.Helper()
	ctx := testContext(t)
	var wg sync.WaitGroup
	errs := make(chan error, len(codecs))
	for _, c := range codecs {
		cl := newClient(t, b, kgo.ProducerBatchCompression(c.codec), kgo.MaxBufferedRecords(20000))
		wg.Add(1)
		go func() {
			defer wg.Done()
			var first error
			var mu sync.Mutex
			for i := 0; i < n; i++ {
				r := &kgo.Record{
					Topic:   topics[i%len(topics)],
					Key:     []byte(fmt.Sprintf("key-%d", i%97)),
					Value:   []byte(fmt.Sprintf("%s:%d:%s", c.name, i, payload(i))),
					Headers: []kgo.RecordHeader{{Key: "codec", Value: []byte(c.name)}, {Key: "seq", Value: []byte(strconv.Itoa(i))}},
				}
				cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
					if err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
					}
				})
			}
			if err := cl.Flush(ctx); err != nil {
				errs <- err
				return
			}
			errs <- first
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
}

// payload is a value body that differs by record and compresses somewhat.
func payload(i int) string {
	return fmt.Sprintf("%08x-%s", i*2654435761, "the quick brown fox jumps over the lazy dog")
}

// consumeAll reads every partition of topics from the start until want
// records have arrived, checking each against what was produced and the
// order of each producer's records within a partition.
func consumeAll(t *testing.T, b *Broker, topics []string, want int) map[produced]bool {
	t.Helper()
	ctx := testContext(t)
	cl := newClient(t, b, kgo.ConsumeTopics(topics...), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	seen := make(map[produced]bool, want)
	last := map[string]int{} // topic/partition/codec → last sequence
	for len(seen) < want {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", len(seen), want, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			id, err := parseRecord(r)
			if err != nil {
				t.Fatal(err)
			}
			if seen[id] {
				t.Fatalf("record %+v consumed twice", id)
			}
			seen[id] = true
			k := fmt.Sprintf("%s/%d/%s", r.Topic, r.Partition, id.codec)
			if prev, ok := last[k]; ok && id.seq <= prev {
				t.Fatalf("%s: sequence %d after %d", k, id.seq, prev)
			}
			last[k] = id.seq
		})
	}
	return seen
}

// parseRecord checks that a consumed record's key, value and headers agree
// with what produceAll sent, and returns its identity.
func parseRecord(r *kgo.Record) (produced, error) {
	if len(r.Headers) != 2 || r.Headers[0].Key != "codec" || r.Headers[1].Key != "seq" {
		return produced{}, fmt.Errorf("record headers %+v", r.Headers)
	}
	codec := string(r.Headers[0].Value)
	seq, err := strconv.Atoi(string(r.Headers[1].Value))
	if err != nil {
		return produced{}, fmt.Errorf("seq header %q", r.Headers[1].Value)
	}
	if want := fmt.Sprintf("%s:%d:%s", codec, seq, payload(seq)); string(r.Value) != want {
		return produced{}, fmt.Errorf("value %q, want %q", r.Value, want)
	}
	if want := fmt.Sprintf("key-%d", seq%97); string(r.Key) != want {
		return produced{}, fmt.Errorf("key %q, want %q", r.Key, want)
	}
	return produced{codec, seq}, nil
}

// TestProduceConsumeEveryCodec produces 200k keyed records with headers,
// 40k with each codec, into topics of 1 and 6 partitions, consumes them all
// back in order, then restarts the broker and consumes them again.
func TestProduceConsumeEveryCodec(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir)
	adm := newAdmin(t, b)
	createTopic(t, adm, "one", 1, nil)
	createTopic(t, adm, "six", 6, nil)
	topics := []string{"one", "six"}
	const perCodec = 40000
	total := perCodec * len(codecs)
	if testing.Short() {
		total = 5000 * len(codecs)
	}
	produceAll(t, b, topics, total/len(codecs))
	consumeAll(t, b, topics, total)

	if err := b.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	b = startBroker(t, dir)
	consumeAll(t, b, topics, total)
}
