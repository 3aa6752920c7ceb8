package broker

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// lossyProxy forwards connections to a broker but, for the first few
// produce requests it sees, lets the request reach the broker and then
// drops the connection when the next response comes back, instead of
// passing it on: the broker has answered, so it has appended, and the
// client never learns it and must retry a batch the broker already holds.
type lossyProxy struct {
	ln     net.Listener
	target string
	cuts   atomic.Int32 // produce responses still to lose
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  []net.Conn
}

// newLossyProxy listens on a free port; serve starts forwarding to the
// broker, which must advertise the proxy's address so that every
// connection of the client goes through it.
func newLossyProxy(t *testing.T, cuts int32) *lossyProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &lossyProxy{ln: ln}
	p.cuts.Store(cuts)
	t.Cleanup(p.close)
	return p
}

func (p *lossyProxy) serve(target string) {
	p.target = target
	p.wg.Add(1)
	go p.accept()
}

func (p *lossyProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.track(c, up)
		lose := new(atomic.Bool)
		p.wg.Add(2)
		go p.requests(c, up, lose)
		go p.responses(c, up, lose)
	}
}

func (p *lossyProxy) track(conns ...net.Conn) {
	p.mu.Lock()
	p.conns = append(p.conns, conns...)
	p.mu.Unlock()
}

// readFrame reads one size-prefixed Kafka frame, prefix included.
func readFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := int(size[0])<<24 | int(size[1])<<16 | int(size[2])<<8 | int(size[3])
	frame := make([]byte, 4+n)
	copy(frame, size[:])
	_, err := io.ReadFull(r, frame[4:])
	return frame, err
}

// requests forwards client frames, marking the connection's next response
// to be lost after a produce request that is to be cut.
func (p *lossyProxy) requests(client, up net.Conn, lose *atomic.Bool) {
	defer p.wg.Done()
	defer up.Close()
	for {
		frame, err := readFrame(client)
		if err != nil {
			return
		}
		produce := len(frame) >= 6 && frame[4] == 0 && frame[5] == 0
		if produce && !lose.Load() && p.cuts.Add(-1) >= 0 {
			lose.Store(true)
		}
		if _, err := up.Write(frame); err != nil {
			return
		}
	}
}

// responses forwards broker frames until one is to be lost: then it cuts
// both connections without passing it on.
func (p *lossyProxy) responses(client, up net.Conn, lose *atomic.Bool) {
	defer p.wg.Done()
	defer client.Close()
	defer up.Close()
	for {
		frame, err := readFrame(up)
		if err != nil || lose.Load() {
			return
		}
		if _, err := client.Write(frame); err != nil {
			return
		}
	}
}

func (p *lossyProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// TestIdempotentRetriesDoNotDuplicate loses the responses of several
// produce requests: franz-go retries them with the same sequence numbers
// and the broker must append each record exactly once.
func TestIdempotentRetriesDoNotDuplicate(t *testing.T) {
	proxy := newLossyProxy(t, 5)
	b := startBrokerAdvertised(t, t.TempDir(), proxy.ln.Addr().String())
	proxy.serve(b.Addr().String())
	createTopic(t, newAdmin(t, b), "idem", 3, nil)
	cl, err := kgo.NewClient(kgo.SeedBrokers(proxy.ln.Addr().String()), kgo.ProducerLinger(0), kgo.MetadataMinAge(50*time.Millisecond),
		kgo.RetryBackoffFn(func(int) time.Duration { return 10 * time.Millisecond }))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := testContext(t)
	const n = 2000
	for i := 0; i < n; i += 100 {
		var rs []*kgo.Record
		for j := i; j < i+100; j++ {
			rs = append(rs, &kgo.Record{Topic: "idem", Key: []byte{byte(j)}, Value: []byte(payload(j))})
		}
		if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	if left := proxy.cuts.Load(); left > 0 {
		t.Fatalf("only %d of 5 responses were lost", 5-left)
	}
	adm := newAdmin(t, b)
	ends, err := adm.ListEndOffsets(ctx, "idem")
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	if total != n {
		t.Fatalf("the log holds %d records, %d were produced", total, n)
	}
}

// TestProducerStateSurvivesRestart sends an idempotent batch, restarts the
// broker, and sends the same batch again: the broker answers with the
// original offset and appends nothing.
func TestProducerStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	b := startBroker(t, dir)
	createTopic(t, newAdmin(t, b), "ps", 1, nil)
	ctx := testContext(t)
	cl := newClient(t, b)
	init := kmsg.NewPtrInitProducerIDRequest()
	init.ProducerEpoch, init.ProducerID = -1, -1
	resp, err := init.RequestWith(ctx, cl)
	if err != nil || resp.ErrorCode != 0 {
		t.Fatalf("init producer id: %v %d", err, resp.ErrorCode)
	}
	send := func(c *kgo.Client, seq int32) (int64, int16) {
		b := batchtest.Values(10, 20, batchtest.Options{Idempotent: true, ProducerID: resp.ProducerID,
			ProducerEpoch: resp.ProducerEpoch, BaseSequence: seq, BaseTimestamp: time.Now().UnixMilli()})
		return produceRaw(t, ctx, c, "ps", b)
	}
	for seq := int32(0); seq < 50; seq += 10 {
		if _, code := send(cl, seq); code != 0 {
			t.Fatalf("produce seq %d: error %d", seq, code)
		}
	}
	b.Close()
	b = startBroker(t, dir)
	cl2 := newClient(t, b)
	off, code := send(cl2, 40) // the last batch again
	if code != 0 || off != 40 {
		t.Fatalf("duplicate after restart: offset %d error %d, want 40 and 0", off, code)
	}
	if _, code := send(cl2, 60); code != errOutOfOrderSequence {
		t.Fatalf("a gap after restart: error %d, want OUT_OF_ORDER_SEQUENCE_NUMBER", code)
	}
	if off, code := send(cl2, 50); code != 0 || off != 50 {
		t.Fatalf("next batch after restart: offset %d error %d", off, code)
	}
}

const errOutOfOrderSequence = 45

// produceRaw sends one batch to partition 0 of topic with acks=all and
// returns the base offset and error code.
func produceRaw(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, records []byte) (int64, int16) {
	t.Helper()
	req := kmsg.NewPtrProduceRequest()
	req.Acks, req.TimeoutMillis = -1, 30000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic, rt.TopicID = topic, topicID(t, ctx, cl, topic)
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = records
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("produce: %v", err)
	}
	p := resp.Topics[0].Partitions[0]
	return p.BaseOffset, p.ErrorCode
}

// topicID looks a topic's id up, for requests that name topics by id.
func topicID(t *testing.T, ctx context.Context, cl *kgo.Client, topic string) [16]byte {
	t.Helper()
	td, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil || td[topic].Err != nil {
		t.Fatalf("list topic %s: %v %v", topic, err, td[topic].Err)
	}
	return td[topic].ID
}

// TestProduceToInternalTopicRefused keeps clients from writing the group
// coordinator's log.
func TestProduceToInternalTopicRefused(t *testing.T) {
	b := startBroker(t, t.TempDir())
	ctx := testContext(t)
	cl := newClient(t, b)
	records := batchtest.Values(1, 10, batchtest.Options{BaseTimestamp: time.Now().UnixMilli()})
	if _, code := produceRaw(t, ctx, cl, "__consumer_offsets", records); code != 17 {
		t.Fatalf("produce to __consumer_offsets: error %d, want INVALID_TOPIC_EXCEPTION (17)", code)
	}
}
