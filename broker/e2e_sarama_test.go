package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
)

// saramaVersions are the protocol generations sarama users run: a modern
// Kafka version, and sarama's default, which pins older request versions.
var saramaVersions = []struct {
	name    string
	version sarama.KafkaVersion
}{
	{"V3_6_0_0", sarama.V3_6_0_0},
	{"default", sarama.DefaultVersion},
}

// saramaConfig returns a sarama config speaking version's protocol.
func saramaConfig(version sarama.KafkaVersion) *sarama.Config {
	cfg := sarama.NewConfig()
	cfg.ClientID = "strata-e2e"
	cfg.Version = version
	cfg.Metadata.Retry.Backoff = 100 * time.Millisecond
	cfg.Producer.Retry.Backoff = 100 * time.Millisecond
	return cfg
}

func saramaAddrs(b *Broker) []string { return []string{b.Addr().String()} }

// saramaRecord is what the tests compare of a record.
type saramaRecord struct {
	key, value, header string
}

func saramaMessage(topic string, i int, prefix string) *sarama.ProducerMessage {
	return &sarama.ProducerMessage{
		Topic:   topic,
		Key:     sarama.StringEncoder("key-" + strconv.Itoa(i%31)),
		Value:   sarama.StringEncoder(fmt.Sprintf("%s:%d:%s", prefix, i, payload(i))),
		Headers: []sarama.RecordHeader{{Key: []byte("seq"), Value: []byte(strconv.Itoa(i))}},
	}
}

func saramaMessageRecord(m *sarama.ProducerMessage) saramaRecord {
	k, _ := m.Key.Encode()
	v, _ := m.Value.Encode()
	return saramaRecord{string(k), string(v), string(m.Headers[0].Value)}
}

func saramaConsumedRecord(m *sarama.ConsumerMessage) saramaRecord {
	r := saramaRecord{key: string(m.Key), value: string(m.Value)}
	if len(m.Headers) == 1 && string(m.Headers[0].Key) == "seq" {
		r.header = string(m.Headers[0].Value)
	}
	return r
}

// TestSaramaSyncProducer sends keyed records with headers through an
// idempotent acks=all SyncProducer and reads them back with sarama's
// consumer, once per protocol generation.
func TestSaramaSyncProducer(t *testing.T) {
	for _, v := range saramaVersions {
		t.Run(v.name, func(t *testing.T) {
			b := startBroker(t, t.TempDir())
			createTopic(t, newAdmin(t, b), "sync", 3, nil)
			cfg := saramaConfig(v.version)
			cfg.Producer.RequiredAcks = sarama.WaitForAll
			cfg.Producer.Idempotent = true
			cfg.Producer.Return.Successes = true
			cfg.Net.MaxOpenRequests = 1
			sent := saramaSyncSend(t, b, cfg, "sync", 600)
			got := saramaConsumeAll(t, b, saramaConfig(v.version), "sync", len(sent))
			for offset, want := range sent {
				if got[offset] != want {
					t.Fatalf("at %v read %+v, sent %+v", offset, got[offset], want)
				}
			}
		})
	}
}

// partitionOffset places a record.
type partitionOffset struct {
	partition int32
	offset    int64
}

// saramaSyncSend sends n records one at a time and in batches, checking
// each partition's offsets are dense from 0.
func saramaSyncSend(t *testing.T, b *Broker, cfg *sarama.Config, topic string, n int) map[partitionOffset]saramaRecord {
	t.Helper()
	p, err := sarama.NewSyncProducer(saramaAddrs(b), cfg)
	if err != nil {
		t.Fatalf("new sync producer: %v", err)
	}
	defer p.Close()
	sent := map[partitionOffset]saramaRecord{}
	next := map[int32]int64{}
	record := func(m *sarama.ProducerMessage) {
		if m.Offset != next[m.Partition] {
			t.Fatalf("record %v landed at %d/%d, want offset %d", m.Value, m.Partition, m.Offset, next[m.Partition])
		}
		next[m.Partition]++
		sent[partitionOffset{m.Partition, m.Offset}] = saramaMessageRecord(m)
	}
	for i := 0; i < n/2; i++ {
		m := saramaMessage(topic, i, "one")
		if _, _, err := p.SendMessage(m); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		record(m)
	}
	var batch []*sarama.ProducerMessage
	for i := n / 2; i < n; i++ {
		batch = append(batch, saramaMessage(topic, i, "batch"))
	}
	if err := p.SendMessages(batch); err != nil {
		t.Fatalf("send batch: %v", err)
	}
	for _, m := range batch {
		record(m)
	}
	return sent
}

// saramaConsumeAll reads every partition of topic from the start with
// sarama's consumer until n records arrived.
func saramaConsumeAll(t *testing.T, b *Broker, cfg *sarama.Config, topic string, n int) map[partitionOffset]saramaRecord {
	t.Helper()
	cfg.Consumer.Return.Errors = true
	c, err := sarama.NewConsumer(saramaAddrs(b), cfg)
	if err != nil {
		t.Fatalf("new consumer: %v", err)
	}
	defer c.Close()
	parts, err := c.Partitions(topic)
	if err != nil {
		t.Fatalf("partitions: %v", err)
	}
	ctx, cancel := context.WithCancel(testContext(t))
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	msgs := make(chan *sarama.ConsumerMessage)
	errs := make(chan error, len(parts))
	for _, p := range parts {
		pc, err := c.ConsumePartition(topic, p, sarama.OffsetOldest)
		if err != nil {
			t.Fatalf("consume %s/%d: %v", topic, p, err)
		}
		defer pc.AsyncClose()
		wg.Add(1)
		go func() {
			defer wg.Done()
			forwardPartition(ctx, pc, msgs, errs)
		}()
	}
	got := map[partitionOffset]saramaRecord{}
	for len(got) < n {
		select {
		case m := <-msgs:
			got[partitionOffset{m.Partition, m.Offset}] = saramaConsumedRecord(m)
		case err := <-errs:
			t.Fatalf("consume: %v", err)
		case <-ctx.Done():
			t.Fatalf("consumed %d of %d records", len(got), n)
		}
	}
	return got
}

// forwardPartition passes one partition consumer's messages and errors on
// until ctx ends or the consumer closes.
func forwardPartition(ctx context.Context, pc sarama.PartitionConsumer, msgs chan<- *sarama.ConsumerMessage, errs chan<- error) {
	for {
		select {
		case m, ok := <-pc.Messages():
			if !ok {
				return
			}
			select {
			case msgs <- m:
			case <-ctx.Done():
				return
			}
		case err, ok := <-pc.Errors():
			if !ok {
				return
			}
			select {
			case errs <- err:
			default:
			}
		case <-ctx.Done():
			return
		}
	}
}

// saramaCodecs are the compressions sarama's producer offers.
var saramaCodecs = []struct {
	name  string
	codec sarama.CompressionCodec
}{
	{"gzip", sarama.CompressionGZIP},
	{"snappy", sarama.CompressionSnappy},
	{"lz4", sarama.CompressionLZ4},
	{"zstd", sarama.CompressionZSTD},
}

// TestSaramaAsyncProducerCompression produces through AsyncProducers with
// every codec and reads every record back.
func TestSaramaAsyncProducerCompression(t *testing.T) {
	b := startBroker(t, t.TempDir())
	createTopic(t, newAdmin(t, b), "async", 4, nil)
	const perCodec = 400
	sent := map[partitionOffset]saramaRecord{}
	for _, c := range saramaCodecs {
		cfg := saramaConfig(sarama.V3_6_0_0)
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Compression = c.codec
		cfg.Producer.Return.Successes = true
		cfg.Producer.Flush.Messages = 50
		cfg.Producer.Flush.Frequency = 5 * time.Millisecond
		for po, r := range saramaAsyncSend(t, b, cfg, "async", c.name, perCodec) {
			sent[po] = r
		}
	}
	got := saramaConsumeAll(t, b, saramaConfig(sarama.V3_6_0_0), "async", len(sent))
	for po, want := range sent {
		if got[po] != want {
			t.Fatalf("at %v read %+v, sent %+v", po, got[po], want)
		}
	}
}

// saramaAsyncSend sends n records and waits for every acknowledgement.
func saramaAsyncSend(t *testing.T, b *Broker, cfg *sarama.Config, topic, prefix string, n int) map[partitionOffset]saramaRecord {
	t.Helper()
	p, err := sarama.NewAsyncProducer(saramaAddrs(b), cfg)
	if err != nil {
		t.Fatalf("new async producer: %v", err)
	}
	defer p.Close()
	ctx := testContext(t)
	sent := map[partitionOffset]saramaRecord{}
	next := saramaMessage(topic, 0, prefix)
	for queued := 0; len(sent) < n; {
		input := p.Input()
		if queued == n {
			input = nil
		}
		select {
		case input <- next:
			queued++
			next = saramaMessage(topic, queued, prefix)
		case m := <-p.Successes():
			sent[partitionOffset{m.Partition, m.Offset}] = saramaMessageRecord(m)
		case err := <-p.Errors():
			t.Fatalf("%s produce: %v", prefix, err)
		case <-ctx.Done():
			t.Fatalf("%s: %d of %d records acknowledged", prefix, len(sent), n)
		}
	}
	return sent
}

// TestSaramaConsumerGroup has two sarama group members share a topic: the
// first processes an eighth of the records, then holds what it fetches
// until the second member is given a partition, so partitions move while
// records are in flight. Every record is processed exactly once and the
// committed offsets end at the log end. It runs with the eager range
// assignor and with the cooperative sticky one.
func TestSaramaConsumerGroup(t *testing.T) {
	strategies := []struct {
		name     string
		strategy sarama.BalanceStrategy
	}{
		{"range", sarama.NewBalanceStrategyRange()},
		{"cooperative-sticky", sarama.NewBalanceStrategyCooperativeSticky()},
	}
	for _, s := range strategies {
		t.Run(s.name, func(t *testing.T) {
			b := startBroker(t, t.TempDir())
			adm := newAdmin(t, b)
			createTopic(t, adm, "grouped", 4, nil)
			cfg := saramaConfig(sarama.V3_6_0_0)
			cfg.Producer.Return.Successes = true
			const n = 2000
			saramaSyncSend(t, b, cfg, "grouped", n)

			out := newSaramaGroupOutput(n / 8)
			first := startSaramaMember(t, b, "sg", "grouped", s.strategy, saramaHandler{out, true})
			waitFor(t, "the first member to consume", func() bool { return out.count() > 0 })
			second := startSaramaMember(t, b, "sg", "grouped", s.strategy, saramaHandler{out, false})
			waitFor(t, "every record", func() bool { return out.count() >= n })
			sadm := newSaramaAdmin(t, b, sarama.V3_6_0_0)
			waitFor(t, "a stable group of two", func() bool { return saramaGroupStable(t, sadm, "sg", 2) })
			first.stop(t)
			second.stop(t)
			out.check(t, n)
			checkCommittedAtEnd(t, adm, "sg", "grouped")
			saramaCheckCommitted(t, sadm, "sg", "grouped", n)
		})
	}
}

func newSaramaAdmin(t *testing.T, b *Broker, version sarama.KafkaVersion) sarama.ClusterAdmin {
	t.Helper()
	adm, err := sarama.NewClusterAdmin(saramaAddrs(b), saramaConfig(version))
	if err != nil {
		t.Fatalf("new cluster admin: %v", err)
	}
	t.Cleanup(func() { adm.Close() })
	return adm
}

// saramaGroupStable reports whether group is stable with members members,
// each assigned a partition.
func saramaGroupStable(t *testing.T, adm sarama.ClusterAdmin, group string, members int) bool {
	t.Helper()
	groups, err := adm.DescribeConsumerGroups([]string{group})
	if err != nil || len(groups) != 1 {
		t.Fatalf("describe groups: %v %v", groups, err)
	}
	g := groups[0]
	if g.State != "Stable" || len(g.Members) != members || g.ProtocolType != "consumer" {
		return false
	}
	for id, m := range g.Members {
		a, err := m.GetMemberAssignment()
		if err != nil {
			t.Fatalf("member %s assignment: %v", id, err)
		}
		if a == nil || len(a.Topics) == 0 {
			return false
		}
	}
	return true
}

// saramaCheckCommitted checks the group's committed offsets add up to n.
func saramaCheckCommitted(t *testing.T, adm sarama.ClusterAdmin, group, topic string, n int) {
	t.Helper()
	resp, err := adm.ListConsumerGroupOffsets(group, nil)
	if err != nil {
		t.Fatalf("list group offsets: %v", err)
	}
	var sum int64
	for p, b := range resp.Blocks[topic] {
		if b.Err != sarama.ErrNoError {
			t.Fatalf("%s/%d: %v", topic, p, b.Err)
		}
		sum += b.Offset
	}
	if sum != int64(n) {
		t.Fatalf("committed offsets of %s add up to %d, want %d", group, sum, n)
	}
}

// saramaGroupOutput collects what a group processed. The first member
// processes at most hold records before the second member has a claim.
type saramaGroupOutput struct {
	hold      int
	second    chan struct{} // closed when the second member got a claim
	secondOne sync.Once
	mu        sync.Mutex
	seen      map[string]int
	n         int
}

func newSaramaGroupOutput(hold int) *saramaGroupOutput {
	return &saramaGroupOutput{hold: hold, second: make(chan struct{}), seen: map[string]int{}}
}

func (o *saramaGroupOutput) secondClaimed() { o.secondOne.Do(func() { close(o.second) }) }

func (o *saramaGroupOutput) add(value string) {
	o.mu.Lock()
	o.seen[value]++
	o.n++
	o.mu.Unlock()
}

func (o *saramaGroupOutput) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n
}

// holding reports whether the first member must wait for the second.
func (o *saramaGroupOutput) holding() bool {
	select {
	case <-o.second:
		return false
	default:
		return o.count() >= o.hold
	}
}

func (o *saramaGroupOutput) check(t *testing.T, n int) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for v, c := range o.seen {
		if c != 1 {
			t.Errorf("record %q processed %d times", v, c)
		}
	}
	if len(o.seen) != n || o.n != n {
		t.Fatalf("processed %d distinct of %d records (%d in all)", len(o.seen), n, o.n)
	}
}

// saramaHandler processes claims, marking each record, and commits when a
// claim ends, so a partition's next owner starts after what was processed.
// Records the first member holds are neither processed nor marked: if its
// claim ends first, the partition's next owner reads them again.
type saramaHandler struct {
	out   *saramaGroupOutput
	first bool
}

func (h saramaHandler) Setup(sarama.ConsumerGroupSession) error { return nil }

func (h saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h saramaHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	defer s.Commit()
	var pending []*sarama.ConsumerMessage
	var release <-chan struct{}
	if h.first {
		release = h.out.second
	} else {
		h.out.secondClaimed()
	}
	for {
		select {
		case m, ok := <-c.Messages():
			if !ok {
				return nil
			}
			pending = append(pending, m)
		case <-release:
			release = nil
		case <-s.Context().Done():
			return nil
		}
		if h.first && h.out.holding() {
			continue
		}
		for _, m := range pending {
			h.out.add(string(m.Value))
			s.MarkMessage(m, "")
		}
		pending = pending[:0]
	}
}

// saramaMember is one running group member.
type saramaMember struct {
	group  sarama.ConsumerGroup
	cancel context.CancelFunc
	done   chan error
}

func startSaramaMember(t *testing.T, b *Broker, group, topic string, strategy sarama.BalanceStrategy, h saramaHandler) *saramaMember {
	t.Helper()
	cfg := saramaConfig(sarama.V3_6_0_0)
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Group.Session.Timeout = 10 * time.Second
	cfg.Consumer.Group.Heartbeat.Interval = time.Second
	cfg.Consumer.Group.Rebalance.GroupStrategies = []sarama.BalanceStrategy{strategy}
	g, err := sarama.NewConsumerGroup(saramaAddrs(b), group, cfg)
	if err != nil {
		t.Fatalf("new consumer group: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &saramaMember{group: g, cancel: cancel, done: make(chan error, 1)}
	go func() { m.done <- saramaConsumeLoop(ctx, g, topic, h) }()
	t.Cleanup(func() { m.cancel(); g.Close() })
	return m
}

// saramaConsumeLoop rejoins after every rebalance until ctx ends.
func saramaConsumeLoop(ctx context.Context, g sarama.ConsumerGroup, topic string, h saramaHandler) error {
	for ctx.Err() == nil {
		if err := g.Consume(ctx, []string{topic}, h); err != nil && ctx.Err() == nil {
			return err
		}
	}
	return nil
}

// stop ends the member's loop and leaves the group cleanly.
func (m *saramaMember) stop(t *testing.T) {
	t.Helper()
	m.cancel()
	if err := <-m.done; err != nil {
		t.Errorf("consume: %v", err)
	}
	if err := m.group.Close(); err != nil {
		t.Errorf("close group: %v", err)
	}
}

// TestSaramaClusterAdmin creates, describes, configures and deletes topics
// with sarama's ClusterAdmin, once per protocol generation.
func TestSaramaClusterAdmin(t *testing.T) {
	for _, v := range saramaVersions {
		t.Run(v.name, func(t *testing.T) {
			b := startBroker(t, t.TempDir())
			adm := newSaramaAdmin(t, b, v.version)
			saramaCheckCluster(t, adm)
			saramaCreateTopics(t, adm)
			saramaCheckTopics(t, adm)
			saramaCheckConfigs(t, adm)
			saramaDeleteTopics(t, adm)
		})
	}
}

func saramaCheckCluster(t *testing.T, adm sarama.ClusterAdmin) {
	t.Helper()
	brokers, controller, err := adm.DescribeCluster()
	if err != nil {
		t.Fatalf("describe cluster: %v", err)
	}
	if len(brokers) != 1 || brokers[0].ID() != 1 || controller != 1 {
		t.Fatalf("describe cluster: %d brokers, controller %d", len(brokers), controller)
	}
}

func saramaCreateTopics(t *testing.T, adm sarama.ClusterAdmin) {
	t.Helper()
	retention := "3600000"
	detail := &sarama.TopicDetail{NumPartitions: 3, ReplicationFactor: 1,
		ConfigEntries: map[string]*string{"retention.ms": &retention}}
	if err := adm.CreateTopic("admin-a", detail, false); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	if err := adm.CreateTopic("admin-a", detail, false); !errors.Is(err, sarama.ErrTopicAlreadyExists) {
		t.Fatalf("create existing topic: %v, want %v", err, sarama.ErrTopicAlreadyExists)
	}
	if err := adm.CreateTopic("admin-b", &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 1}, true); err != nil {
		t.Fatalf("validate topic: %v", err)
	}
	bad := &sarama.TopicDetail{NumPartitions: 1, ReplicationFactor: 3}
	if err := adm.CreateTopic("admin-c", bad, false); !errors.Is(err, sarama.ErrInvalidReplicationFactor) {
		t.Fatalf("create with replication factor 3: %v, want %v", err, sarama.ErrInvalidReplicationFactor)
	}
	if err := adm.CreatePartitions("admin-a", 4, nil, false); err != nil {
		t.Fatalf("create partitions: %v", err)
	}
}

func saramaCheckTopics(t *testing.T, adm sarama.ClusterAdmin) {
	t.Helper()
	topics, err := adm.ListTopics()
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	a, ok := topics["admin-a"]
	if !ok || a.NumPartitions != 4 || a.ReplicationFactor != 1 {
		t.Fatalf("list topics: admin-a %+v (listed: %v)", a, ok)
	}
	if _, ok := topics["admin-b"]; ok {
		t.Fatalf("validate-only created admin-b")
	}
	if r := a.ConfigEntries["retention.ms"]; r == nil || *r != "3600000" {
		t.Fatalf("list topics: admin-a retention.ms %v", r)
	}
	md, err := adm.DescribeTopics([]string{"admin-a"})
	if err != nil || len(md) != 1 {
		t.Fatalf("describe topics: %v %v", md, err)
	}
	if md[0].Err != sarama.ErrNoError || len(md[0].Partitions) != 4 {
		t.Fatalf("describe topics: %v, %d partitions", md[0].Err, len(md[0].Partitions))
	}
	for _, p := range md[0].Partitions {
		if p.Leader != 1 || len(p.Isr) != 1 {
			t.Fatalf("partition %d: leader %d, isr %v", p.ID, p.Leader, p.Isr)
		}
	}
}

func saramaCheckConfigs(t *testing.T, adm sarama.ClusterAdmin) {
	t.Helper()
	topic := sarama.ConfigResource{Type: sarama.TopicResource, Name: "admin-a"}
	entries := saramaDescribeConfig(t, adm, topic)
	if e := entries["retention.ms"]; e.Value != "3600000" || e.Default || e.Source != sarama.SourceTopic {
		t.Fatalf("retention.ms: %+v", e)
	}
	if e := entries["cleanup.policy"]; e.Value != "delete" || e.Source == sarama.SourceTopic {
		t.Fatalf("cleanup.policy: %+v", e)
	}
	compact := "compact"
	if err := adm.AlterConfig(sarama.TopicResource, "admin-a", map[string]*string{"cleanup.policy": &compact}, false); err != nil {
		t.Fatalf("alter config: %v", err)
	}
	if e := saramaDescribeConfig(t, adm, topic)["cleanup.policy"]; e.Value != "compact" {
		t.Fatalf("cleanup.policy after alter: %+v", e)
	}
	day := "86400000"
	incr := map[string]sarama.IncrementalAlterConfigsEntry{"retention.ms": {Operation: sarama.IncrementalAlterConfigsOperationSet, Value: &day}}
	if err := adm.IncrementalAlterConfig(sarama.TopicResource, "admin-a", incr, false); err != nil {
		t.Fatalf("incremental alter config: %v", err)
	}
	if e := saramaDescribeConfig(t, adm, topic)["retention.ms"]; e.Value != day {
		t.Fatalf("retention.ms after incremental alter: %+v", e)
	}
	if len(saramaDescribeConfig(t, adm, sarama.ConfigResource{Type: sarama.BrokerResource, Name: "1"})) == 0 {
		t.Fatalf("broker 1 has no configs")
	}
}

func saramaDescribeConfig(t *testing.T, adm sarama.ClusterAdmin, r sarama.ConfigResource) map[string]sarama.ConfigEntry {
	t.Helper()
	entries, err := adm.DescribeConfig(r)
	if err != nil {
		t.Fatalf("describe config %s: %v", r.Name, err)
	}
	m := map[string]sarama.ConfigEntry{}
	for _, e := range entries {
		m[e.Name] = e
	}
	return m
}

func saramaDeleteTopics(t *testing.T, adm sarama.ClusterAdmin) {
	t.Helper()
	if err := adm.DeleteTopic("admin-a"); err != nil {
		t.Fatalf("delete topic: %v", err)
	}
	if err := adm.DeleteTopic("admin-a"); !errors.Is(err, sarama.ErrUnknownTopicOrPartition) {
		t.Fatalf("delete deleted topic: %v, want %v", err, sarama.ErrUnknownTopicOrPartition)
	}
	topics, err := adm.ListTopics()
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	if _, ok := topics["admin-a"]; ok {
		t.Fatalf("admin-a listed after delete")
	}
}

// TestSaramaFireAndForget sends with acks=0 and closes the producer at
// once, as fire-and-forget producers do: every record the producer wrote
// to the socket is appended, as Kafka appends every request it has read
// before the client closed.
func TestSaramaFireAndForget(t *testing.T) {
	b := startBroker(t, t.TempDir())
	adm := newAdmin(t, b)
	createTopic(t, adm, "fire", 1, nil)
	cfg := saramaConfig(sarama.V3_6_0_0)
	cfg.Producer.RequiredAcks = sarama.NoResponse
	cfg.Producer.Flush.Messages = 1
	p, err := sarama.NewAsyncProducer(saramaAddrs(b), cfg)
	if err != nil {
		t.Fatalf("new async producer: %v", err)
	}
	const n = 1000
	for i := 0; i < n; i++ {
		p.Input() <- saramaMessage("fire", i, "fire")
	}
	if err := p.Close(); err != nil {
		t.Fatalf("close producer: %v", err)
	}
	ctx := testContext(t)
	var end int64
	waitFor(t, "every record to be appended", func() bool {
		ends, err := adm.ListEndOffsets(ctx, "fire")
		if err != nil {
			t.Fatalf("list end offsets: %v", err)
		}
		o, _ := ends.Lookup("fire", 0)
		if o.Offset != end {
			end = o.Offset
			t.Logf("log end offset %d of %d", end, n)
		}
		return end == n
	})
}
