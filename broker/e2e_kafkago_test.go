package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/segmentio/kafka-go/compress"
)

// kafkaGoCodecs are the compressions kafka-go's Writer offers.
var kafkaGoCodecs = []struct {
	name  string
	codec kafka.Compression
}{
	{"none", 0},
	{"gzip", compress.Gzip},
	{"snappy", compress.Snappy},
	{"lz4", compress.Lz4},
	{"zstd", compress.Zstd},
}

// TestKafkaGoConn drives the connection-level API kafka-go's users reach
// through kafka.Dial: brokers, controller, topic creation and deletion,
// partition metadata, and a leader connection's writes, reads and offsets.
func TestKafkaGoConn(t *testing.T) {
	b := startBroker(t, t.TempDir())
	ctx := testContext(t)
	conn, err := kafka.DialContext(ctx, "tcp", b.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	kafkaGoCheckCluster(t, conn, b)
	kafkaGoCreateTopic(t, conn)

	leader, err := kafka.DialLeader(ctx, "tcp", b.Addr().String(), "dialed", 1)
	if err != nil {
		t.Fatalf("dial leader: %v", err)
	}
	defer leader.Close()
	kafkaGoWriteRead(t, leader)

	if err := conn.DeleteTopics("dialed"); err != nil {
		t.Fatalf("delete topics: %v", err)
	}
	// Asking for the topic by name would create it again
	// (auto.create.topics.enable): list every topic instead.
	waitFor(t, "the topic to go", func() bool {
		parts, err := conn.ReadPartitions()
		if err != nil {
			t.Fatalf("read partitions: %v", err)
		}
		for _, p := range parts {
			if p.Topic == "dialed" {
				return false
			}
		}
		return true
	})
}

func kafkaGoCheckCluster(t *testing.T, conn *kafka.Conn, b *Broker) {
	t.Helper()
	brokers, err := conn.Brokers()
	if err != nil {
		t.Fatalf("brokers: %v", err)
	}
	if len(brokers) != 1 || brokers[0].ID != 1 || fmt.Sprintf("%s:%d", brokers[0].Host, brokers[0].Port) != b.Addr().String() {
		t.Fatalf("brokers: %+v, want broker 1 at %s", brokers, b.Addr())
	}
	controller, err := conn.Controller()
	if err != nil || controller.ID != 1 {
		t.Fatalf("controller: %+v %v", controller, err)
	}
}

func kafkaGoCreateTopic(t *testing.T, conn *kafka.Conn) {
	t.Helper()
	topic := kafka.TopicConfig{Topic: "dialed", NumPartitions: 3, ReplicationFactor: 1,
		ConfigEntries: []kafka.ConfigEntry{{ConfigName: "retention.ms", ConfigValue: "3600000"}}}
	if err := conn.CreateTopics(topic); err != nil {
		t.Fatalf("create topics: %v", err)
	}
	// kafka-go treats TOPIC_ALREADY_EXISTS as success: creation is idempotent.
	if err := conn.CreateTopics(topic); err != nil {
		t.Fatalf("create topics again: %v", err)
	}
	bad := kafka.TopicConfig{Topic: "bad", NumPartitions: 1, ReplicationFactor: 3}
	if err := conn.CreateTopics(bad); !errors.Is(err, kafka.InvalidReplicationFactor) {
		t.Fatalf("create with replication factor 3: %v, want %v", err, kafka.InvalidReplicationFactor)
	}
	parts, err := conn.ReadPartitions("dialed")
	if err != nil {
		t.Fatalf("read partitions: %v", err)
	}
	if len(parts) != 3 {
		t.Fatalf("read partitions: %d, want 3", len(parts))
	}
	for _, p := range parts {
		if p.Topic != "dialed" || p.Leader.ID != 1 || len(p.Replicas) != 1 || len(p.Isr) != 1 {
			t.Fatalf("partition %+v", p)
		}
	}
}

// kafkaGoWriteRead writes plain and compressed messages on a leader
// connection and reads them back with batches and offsets.
func kafkaGoWriteRead(t *testing.T, leader *kafka.Conn) {
	t.Helper()
	leader.SetDeadline(time.Now().Add(2 * time.Minute))
	var msgs []kafka.Message
	for i := 0; i < 100; i++ {
		msgs = append(msgs, kafka.Message{Key: []byte("k" + strconv.Itoa(i)), Value: []byte(payload(i))})
	}
	if _, err := leader.WriteMessages(msgs[:50]...); err != nil {
		t.Fatalf("write messages: %v", err)
	}
	_, partition, offset, _, err := leader.WriteCompressedMessagesAt(compress.Snappy.Codec(), msgs[50:]...)
	if err != nil || partition != 1 || offset != 50 {
		t.Fatalf("write compressed: partition %d offset %d: %v", partition, offset, err)
	}
	first, last, err := leader.ReadOffsets()
	if err != nil || first != 0 || last != 100 {
		t.Fatalf("read offsets: %d..%d: %v", first, last, err)
	}
	if _, err := leader.Seek(0, kafka.SeekAbsolute); err != nil {
		t.Fatalf("seek: %v", err)
	}
	for i := 0; i < len(msgs); {
		batch := leader.ReadBatch(1, 1<<20)
		for {
			m, err := batch.ReadMessage()
			if err != nil {
				break
			}
			if m.Offset != int64(i) || string(m.Value) != string(msgs[i].Value) {
				t.Fatalf("read offset %d %q, want %d %q", m.Offset, m.Value, i, msgs[i].Value)
			}
			i++
		}
		if err := batch.Close(); err != nil {
			t.Fatalf("read batch: %v", err)
		}
	}
	// The broker answers with the whole compressed batch; the client skips
	// the records before the offset it asked for.
	if _, err := leader.Seek(75, kafka.SeekAbsolute); err != nil {
		t.Fatalf("seek: %v", err)
	}
	if m, err := leader.ReadMessage(1 << 20); err != nil || m.Offset != 75 || string(m.Value) != string(msgs[75].Value) {
		t.Fatalf("read at 75: offset %d %q: %v", m.Offset, m.Value, err)
	}
}

// TestKafkaGoWriterReader writes through kafka-go's Writer with every codec
// and reads everything back with a group Reader that commits what it read.
func TestKafkaGoWriterReader(t *testing.T) {
	b := startBroker(t, t.TempDir())
	adm := newAdmin(t, b)
	createTopic(t, adm, "kg", 4, nil)
	ctx := testContext(t)
	const perCodec = 300
	want := map[string]bool{}
	for _, c := range kafkaGoCodecs {
		for _, v := range kafkaGoWrite(t, ctx, b, "kg", c.name, c.codec, perCodec) {
			want[v] = true
		}
	}
	kafkaGoReadGroup(t, ctx, b, "kgg", "kg", want)
	checkCommittedAtEnd(t, adm, "kgg", "kg")
	kafkaGoCheckClient(t, ctx, b, "kgg", "kg", len(want))
}

// kafkaGoWrite sends n keyed records with a header, acks=all, and returns
// their values.
func kafkaGoWrite(t *testing.T, ctx context.Context, b *Broker, topic, prefix string, codec kafka.Compression, n int) []string {
	t.Helper()
	w := &kafka.Writer{Addr: kafka.TCP(b.Addr().String()), Topic: topic, Balancer: &kafka.Hash{},
		Compression: codec, RequiredAcks: kafka.RequireAll, BatchSize: 50, BatchTimeout: 5 * time.Millisecond}
	defer w.Close()
	var msgs []kafka.Message
	var values []string
	for i := 0; i < n; i++ {
		v := fmt.Sprintf("%s:%d:%s", prefix, i, payload(i))
		msgs = append(msgs, kafka.Message{Key: []byte("key-" + strconv.Itoa(i%31)), Value: []byte(v),
			Headers: []kafka.Header{{Key: "codec", Value: []byte(prefix)}}})
		values = append(values, v)
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatalf("%s: write messages: %v", prefix, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("%s: close writer: %v", prefix, err)
	}
	return values
}

// kafkaGoReadGroup reads every wanted value once with a group Reader,
// committing as it goes, then leaves the group.
func kafkaGoReadGroup(t *testing.T, ctx context.Context, b *Broker, group, topic string, want map[string]bool) {
	t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: []string{b.Addr().String()}, GroupID: group, Topic: topic,
		StartOffset: kafka.FirstOffset, MaxWait: 500 * time.Millisecond,
		HeartbeatInterval: time.Second, SessionTimeout: 10 * time.Second, JoinGroupBackoff: 100 * time.Millisecond})
	seen := map[string]bool{}
	for len(seen) < len(want) {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("fetch message after %d of %d: %v", len(seen), len(want), err)
		}
		v := string(m.Value)
		if !want[v] || seen[v] {
			t.Fatalf("read %q at %d/%d: wanted %v, seen before %v", v, m.Partition, m.Offset, want[v], seen[v])
		}
		if len(m.Headers) != 1 || m.Headers[0].Key != "codec" {
			t.Fatalf("record %q headers %+v", v, m.Headers)
		}
		seen[v] = true
		if err := r.CommitMessages(ctx, m); err != nil {
			t.Fatalf("commit: %v", err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatalf("close reader: %v", err)
	}
}

// kafkaGoCheckClient checks the group's committed offsets and the log ends
// through kafka-go's request-level Client.
func kafkaGoCheckClient(t *testing.T, ctx context.Context, b *Broker, group, topic string, n int) {
	t.Helper()
	cl := &kafka.Client{Addr: kafka.TCP(b.Addr().String()), Timeout: time.Minute}
	committed, err := cl.ConsumerOffsets(ctx, kafka.TopicAndGroup{Topic: topic, GroupId: group})
	if err != nil {
		t.Fatalf("consumer offsets: %v", err)
	}
	var sum int64
	var reqs []kafka.OffsetRequest
	for p, o := range committed {
		sum += o
		reqs = append(reqs, kafka.LastOffsetOf(p))
	}
	if sum != int64(n) || len(committed) != 4 {
		t.Fatalf("committed %v adds up to %d, want %d", committed, sum, n)
	}
	resp, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		t.Fatalf("list offsets: %v", err)
	}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil || p.LastOffset != committed[p.Partition] {
			t.Fatalf("partition %d: last offset %d (%v), committed %d", p.Partition, p.LastOffset, p.Error, committed[p.Partition])
		}
	}
}
