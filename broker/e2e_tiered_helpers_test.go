package broker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
)

// tieredStore is a bucket on a real MinIO for tiered storage tests, with
// the credentials in the environment as an operator would set them.
type tieredStore struct {
	srv *miniotest.Server
	url string
}

func newTieredStore(t *testing.T) *tieredStore {
	t.Helper()
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t, "tiered")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	u := fmt.Sprintf("s3://%s/cluster?endpoint=%s&region=%s&path-style=true&max-attempts=2", bucket, srv.URL(), srv.Region)
	return &tieredStore{srv: srv, url: u}
}

// settings are broker settings that tier quickly: uploads right after a
// roll, retries soon after an outage, retention checked often.
func (s *tieredStore) settings(extra map[string]string) map[string]string {
	out := map[string]string{
		"object.store.url":                             s.url,
		"remote.log.manager.task.interval.ms":          "500",
		"remote.log.manager.task.retry.backoff.ms":     "100",
		"remote.log.manager.task.retry.backoff.max.ms": "1000",
		"log.retention.check.interval.ms":              "500",
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// tieredData is a deterministic data set: record i of partition p has a
// key, a header, a timestamp and an ASCII value (so kcat can print it on
// one line) that depend only on p and i.
type tieredData struct {
	topic      string
	partitions int
	records    int // per partition
	valueSize  int
	batchBytes int32 // the producer's batch limit: below segment.bytes
	start      time.Time
	pool       []byte
}

func newTieredData(topic string, partitions, records, valueSize int) *tieredData {
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	pool := make([]byte, 4<<20)
	for i := range pool {
		pool[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return &tieredData{topic: topic, partitions: partitions, records: records, valueSize: valueSize, batchBytes: 1 << 20,
		start: time.UnixMilli(time.Now().Add(-time.Hour).UnixMilli()), pool: pool}
}

func (d *tieredData) totalBytes() int64 { return int64(d.partitions*d.records) * int64(d.valueSize) }

func (d *tieredData) key(p, i int) []byte {
	return []byte("k-" + strconv.Itoa(p) + "-" + strconv.Itoa(i))
}

func (d *tieredData) header(p, i int) string { return strconv.Itoa(p*1_000_000 + i) }

func (d *tieredData) timestamp(i int) time.Time {
	return d.start.Add(time.Duration(i) * time.Millisecond)
}

// value is a slice of the pool at a place that depends on (p, i), behind a
// prefix naming the record.
func (d *tieredData) value(p, i int) []byte {
	h := fnv.New64a()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(p))
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	h.Write(b[:])
	prefix := fmt.Sprintf("%d:%d:", p, i)
	off := int(h.Sum64() % uint64(len(d.pool)-d.valueSize))
	v := make([]byte, 0, d.valueSize)
	v = append(v, prefix...)
	return append(v, d.pool[off:off+d.valueSize-len(prefix)]...)
}

func (d *tieredData) record(p, i int) *kgo.Record {
	return &kgo.Record{Topic: d.topic, Partition: int32(p), Key: d.key(p, i), Value: d.value(p, i),
		Timestamp: d.timestamp(i), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte(d.header(p, i))}}}
}

// produce writes records [from, to) of every partition, interleaved, and
// fails the test on any error.
func (d *tieredData) produce(t *testing.T, ctx context.Context, cl *kgo.Client, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		for p := range d.partitions {
			cl.Produce(ctx, d.record(p, i), func(r *kgo.Record, err error) {
				if err != nil {
					t.Errorf("produce %d/%d: %v", r.Partition, r.Offset, err)
				}
			})
		}
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// producer is a client tuned for bulk produce with explicit partitions.
func (d *tieredData) producer(t *testing.T, b *Broker) *kgo.Client {
	return newClient(t, b, kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.Lz4Compression()), kgo.ProducerBatchMaxBytes(d.batchBytes),
		kgo.MaxBufferedBytes(64<<20))
}

// check compares one consumed record with record i of partition p.
func (d *tieredData) check(p int, offset int64, key, value []byte, ts time.Time, header string) error {
	i := int(offset) // offsets of each partition are 0, 1, 2, ...: one producer, no failures
	switch {
	case !bytes.Equal(key, d.key(p, i)):
		return fmt.Errorf("partition %d offset %d: key %q, want %q", p, offset, key, d.key(p, i))
	case !bytes.Equal(value, d.value(p, i)):
		return fmt.Errorf("partition %d offset %d: value differs (%d bytes, want %d)", p, offset, len(value), d.valueSize)
	case !ts.Equal(d.timestamp(i)):
		return fmt.Errorf("partition %d offset %d: timestamp %v, want %v", p, offset, ts, d.timestamp(i))
	case header != d.header(p, i):
		return fmt.Errorf("partition %d offset %d: header %q, want %q", p, offset, header, d.header(p, i))
	}
	return nil
}

// consumeAll reads every partition from offset 0 up to want records each
// with franz-go and checks each record, in order.
func (d *tieredData) consumeAll(t *testing.T, ctx context.Context, b *Broker, want int) {
	t.Helper()
	wants := make([]int, d.partitions)
	for p := range wants {
		wants[p] = want
	}
	d.consumeEach(t, ctx, b, wants)
}

// consumeEach reads partition p from offset 0 up to want[p] records with
// franz-go and checks each record, in order.
func (d *tieredData) consumeEach(t *testing.T, ctx context.Context, b *Broker, want []int) {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := range d.partitions {
		offsets[int32(p)] = kgo.NewOffset().At(0)
	}
	cl := newClient(t, b, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{d.topic: offsets}),
		kgo.FetchMaxBytes(32<<20), kgo.FetchMaxPartitionBytes(8<<20))
	defer cl.Close()
	next := make([]int64, d.partitions)
	for done := 0; done < d.partitions; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consume: %v after offsets %v of %v", err, next, want)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			p := int(r.Partition)
			if r.Offset != next[p] {
				t.Fatalf("partition %d: offset %d, want %d", p, r.Offset, next[p])
			}
			if err := d.check(p, r.Offset, r.Key, r.Value, r.Timestamp, headerValue(r)); err != nil {
				t.Fatal(err)
			}
			next[p]++
			if next[p] == int64(want[p]) {
				done++
			}
		})
	}
}

func headerValue(r *kgo.Record) string {
	if len(r.Headers) != 1 || r.Headers[0].Key != "h" {
		return fmt.Sprintf("headers %v", r.Headers)
	}
	return string(r.Headers[0].Value)
}

// consumeWithKcat reads every partition from the beginning with kcat
// (librdkafka) and checks each record, in order.
func (d *tieredData) consumeWithKcat(t *testing.T, ctx context.Context, b *Broker, want int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, kcatPath, "-C", "-b", b.Addr().String(), "-t", d.topic,
		"-o", "beginning", "-e", "-q", "-f", "%p|%o|%k|%T|%h|%s\n")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	next := make([]int64, d.partitions)
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	for sc.Scan() {
		if err := d.checkKcatLine(sc.Text(), next); err != nil {
			cmd.Process.Kill()
			t.Fatal(err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("kcat: %v\n%s", err, stderr.String())
	}
	for p, n := range next {
		if n != int64(want) {
			t.Fatalf("kcat read %d records of partition %d, want %d", n, p, want)
		}
	}
}

// checkKcatLine checks a "%p|%o|%k|%T|%h|%s" line.
func (d *tieredData) checkKcatLine(line string, next []int64) error {
	f := strings.SplitN(line, "|", 6)
	if len(f) != 6 {
		return fmt.Errorf("kcat line %.80q", line)
	}
	p, _ := strconv.Atoi(f[0])
	offset, _ := strconv.ParseInt(f[1], 10, 64)
	ms, _ := strconv.ParseInt(f[3], 10, 64)
	if p < 0 || p >= d.partitions || offset != next[p] {
		return fmt.Errorf("kcat: partition %d offset %d, want offset %d", p, offset, next[max(0, min(p, d.partitions-1))])
	}
	next[p]++
	return d.check(p, offset, []byte(f[2]), []byte(f[5]), time.UnixMilli(ms), strings.TrimPrefix(f[4], "h="))
}

// waitTiered waits until every partition of the topic keeps only its
// active segment locally, everything before it being in the bucket.
func waitTiered(t *testing.T, ctx context.Context, b *Broker, topic string) []PartitionTiers {
	t.Helper()
	for {
		var tiers []PartitionTiers
		done := true
		for _, pt := range b.Tiers() {
			if pt.Topic != topic {
				continue
			}
			tiers = append(tiers, pt)
			r := pt.Remote
			if r == nil || r.BacklogBytes > 0 || r.EndOffset != pt.LocalStartOffset || r.EndOffset == 0 {
				done = false
			}
		}
		if done && len(tiers) > 0 {
			return tiers
		}
		select {
		case <-ctx.Done():
			t.Fatalf("partitions not tiered: %+v", tiers)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// topicConfigs is a kadm config map.
func topicConfigs(kv ...string) map[string]*string {
	m := map[string]*string{}
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		m[kv[i]] = &v
	}
	return m
}
