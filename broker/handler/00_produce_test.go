package handler

import (
	"bytes"
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

// producePart is one partition of a test produce request.
type producePart struct {
	topic     string
	partition int32
	records   []byte
}

func produceRequest(version, acks int16, parts ...producePart) *kmsg.ProduceRequest {
	r := kmsg.NewPtrProduceRequest()
	r.Version, r.Acks, r.TimeoutMillis = version, acks, 30000
	for _, p := range parts {
		if n := len(r.Topics); n == 0 || r.Topics[n-1].Topic != p.topic {
			t := kmsg.NewProduceRequestTopic()
			t.Topic = p.topic
			r.Topics = append(r.Topics, t)
		}
		t := &r.Topics[len(r.Topics)-1]
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Partition, rp.Records = p.partition, p.records
		t.Partitions = append(t.Partitions, rp)
	}
	return r
}

func records(n int) []byte { return batchtest.Values(n, 20, batchtest.Options{BaseTimestamp: 1000}) }

// producedPartition finds a partition's answer.
func producedPartition(t *testing.T, resp *kmsg.ProduceResponse, topic int, partition int32) kmsg.ProduceResponseTopicPartition {
	t.Helper()
	for _, p := range resp.Topics[topic].Partitions {
		if p.Partition == partition {
			return p
		}
	}
	t.Fatalf("no answer for partition %d", partition)
	return kmsg.ProduceResponseTopicPartition{}
}

func TestProduceAppendsAndAnswers(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 2))
	for _, acks := range []int16{1, -1} {
		resp := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, acks,
			producePart{"a", 0, records(3)}, producePart{"a", 1, records(2)}, producePart{"a", 7, records(1)},
			producePart{"nope", 0, records(1)}))
		if len(resp.Topics) != 2 {
			t.Fatalf("%d topics answered", len(resp.Topics))
		}
		p0, p1 := producedPartition(t, resp, 0, 0), producedPartition(t, resp, 0, 1)
		if p0.ErrorCode != 0 || p1.ErrorCode != 0 || p0.LogAppendTime != -1 || p0.LogStartOffset != 0 {
			t.Fatalf("answers %+v %+v", p0, p1)
		}
		if want := map[int16]int64{1: 0, -1: 3}[acks]; p0.BaseOffset != want {
			t.Fatalf("acks=%d: base offset %d, want %d", acks, p0.BaseOffset, want)
		}
		if c := producedPartition(t, resp, 0, 7).ErrorCode; c != kerr.UnknownTopicOrPartition.Code {
			t.Fatalf("unknown partition: %v", kerr.ErrorForCode(c))
		}
		if c := producedPartition(t, resp, 1, 0).ErrorCode; c != kerr.UnknownTopicOrPartition.Code {
			t.Fatalf("unknown topic: %v", kerr.ErrorForCode(c))
		}
	}
	p, _ := s.mgr.Partition("a", 0)
	if p.HighWatermark() != 6 || p.Log().DurableOffset() < 6 {
		t.Fatalf("high watermark %d, durable %d", p.HighWatermark(), p.Log().DurableOffset())
	}
	if _, ok := s.cluster.img.Topics["nope"]; ok {
		t.Fatal("a produce created a topic")
	}
}

func TestProduceOldVersionsRefused(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	for v := int16(0); v < 3; v++ {
		resp := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(v, 1, producePart{"a", 0, records(1)}))
		if c := producedPartition(t, resp, 0, 0).ErrorCode; c != kerr.UnsupportedVersion.Code {
			t.Fatalf("v%d: %v", v, kerr.ErrorForCode(c))
		}
	}
	if p, _ := s.mgr.Partition("a", 0); p.LogEndOffset() != 0 {
		t.Fatal("an old-format produce was appended")
	}
}

func TestProduceZstdNeedsVersion7(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	zstd := func() []byte { return batchtest.Values(5, 50, batchtest.Options{Codec: batch.CodecZstd}) }
	resp := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(6, 1, producePart{"a", 0, zstd()}))
	if c := producedPartition(t, resp, 0, 0).ErrorCode; c != kerr.UnsupportedCompressionType.Code {
		t.Fatalf("zstd at v6: %v", kerr.ErrorForCode(c))
	}
	resp = mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(7, 1, producePart{"a", 0, zstd()}))
	if c := producedPartition(t, resp, 0, 0).ErrorCode; c != 0 {
		t.Fatalf("zstd at v7: %v", kerr.ErrorForCode(c))
	}
}

func TestProduceErrorsCarryMessages(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	control := batchtest.Build(batchtest.ValueRecords(1, 5), batchtest.Options{Control: true})
	badCRC := records(2)
	badCRC[len(badCRC)-1] ^= 1
	cases := []struct {
		records []byte
		code    int16
	}{
		{control, kerr.InvalidRecord.Code},
		{badCRC, kerr.CorruptMessage.Code},
		{batchtest.Build(batchtest.ValueRecords(1, 5), batchtest.Options{Transactional: true, ProducerID: 1}), kerr.InvalidTxnState.Code},
		{batchtest.Values(1, 2<<20, batchtest.Options{}), kerr.MessageTooLarge.Code},
	}
	for _, c := range cases {
		resp := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, -1, producePart{"a", 0, c.records}))
		got := producedPartition(t, resp, 0, 0)
		if got.ErrorCode != c.code || got.ErrorMessage == nil || *got.ErrorMessage == "" || got.BaseOffset != -1 {
			t.Errorf("got %v (%v), want %v", kerr.ErrorForCode(got.ErrorCode), got.ErrorMessage, kerr.ErrorForCode(c.code))
		}
	}
	resp := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, 2, producePart{"a", 0, records(1)}))
	if c := producedPartition(t, resp, 0, 0).ErrorCode; c != kerr.InvalidRequiredAcks.Code {
		t.Fatalf("acks=2: %v", kerr.ErrorForCode(c))
	}
}

func TestProduceAcksZero(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	resp, err := dataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, 0, producePart{"a", 0, records(4)}))
	if err != nil || resp != nil {
		t.Fatalf("acks=0 answered %v, %v", resp, err)
	}
	if p, _ := s.mgr.Partition("a", 0); p.HighWatermark() != 4 {
		t.Fatalf("acks=0 records not appended: high watermark %d", p.HighWatermark())
	}
	// A failure closes the connection so the producer refreshes metadata.
	if _, err := dataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, 0, producePart{"nope", 0, records(1)})); err == nil {
		t.Fatal("a failed acks=0 produce kept the connection")
	}
}

func TestProduceIdempotentRetry(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	idem := func(seq int32) []byte {
		return batchtest.Values(3, 10, batchtest.Options{Idempotent: true, ProducerID: 77, BaseSequence: seq})
	}
	mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, -1, producePart{"a", 0, records(2)}))
	first := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, -1, producePart{"a", 0, idem(0)}))
	retry := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, -1, producePart{"a", 0, idem(0)}))
	if a, b := producedPartition(t, first, 0, 0), producedPartition(t, retry, 0, 0); b.ErrorCode != 0 || a.BaseOffset != 2 || b.BaseOffset != 2 {
		t.Fatalf("first %+v, retry %+v", a, b)
	}
	gap := mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, -1, producePart{"a", 0, idem(9)}))
	if c := producedPartition(t, gap, 0, 0).ErrorCode; c != kerr.OutOfOrderSequenceNumber.Code {
		t.Fatalf("gap: %v", kerr.ErrorForCode(c))
	}
}

func TestProduceByTopicID(t *testing.T) {
	topic := dataTopic("a", 1, 1)
	s := newDataServer(t, topic)
	r := produceRequest(13, 1, producePart{"x", 0, records(2)}, producePart{"y", 0, records(1)})
	r.Topics[0].Topic, r.Topics[0].TopicID = "", topic.ID
	r.Topics[1].Topic, r.Topics[1].TopicID = "", [16]byte{9}
	resp := mustDataServe[*kmsg.ProduceResponse](t, s, r)
	if resp.Topics[0].TopicID != topic.ID || producedPartition(t, resp, 0, 0).ErrorCode != 0 {
		t.Fatalf("by id: %+v", resp.Topics[0])
	}
	if c := producedPartition(t, resp, 1, 0).ErrorCode; c != kerr.UnknownTopicID.Code {
		t.Fatalf("unknown id: %v", kerr.ErrorForCode(c))
	}
}

func TestProduceTimeoutBoundsOnlyTheWait(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	r := produceRequest(9, -1, producePart{"a", 0, records(1)})
	r.TimeoutMillis = 1
	resp := mustDataServe[*kmsg.ProduceResponse](t, s, r)
	// Whether the fsync beats a 1 ms timeout is up to the machine; either
	// way the batch is appended, and a retry would be a duplicate.
	if c := producedPartition(t, resp, 0, 0).ErrorCode; c != 0 && c != kerr.RequestTimedOut.Code {
		t.Fatalf("got %v", kerr.ErrorForCode(c))
	}
	if p, _ := s.mgr.Partition("a", 0); p.LogEndOffset() != 1 {
		t.Fatalf("log end %d", p.LogEndOffset())
	}
}

func TestProduceLeavesOtherBytesAlone(t *testing.T) {
	s := newDataServer(t, dataTopic("a", 1, 1))
	b := records(3)
	want := bytes.Clone(b)
	mustDataServe[*kmsg.ProduceResponse](t, s, produceRequest(9, 1, producePart{"a", 0, b}))
	p, _ := s.mgr.Partition("a", 0)
	recs, err := p.Read(context.Background(), 0, 1<<20, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer recs.Close()
	got, _ := recs.AppendTo(nil)
	if !bytes.Equal(got[17:], want[17:]) {
		t.Fatal("the stored batch differs from the produced one past the leader epoch")
	}
}
