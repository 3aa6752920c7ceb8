package handler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/replication"
	"github.com/strata-streaming/strata/replication/controller"
)

// The body a fetchBody writes is byte for byte kmsg's encoding of the same
// response with the records in it.
func TestFetchBodyIsKmsgEncoding(t *testing.T) {
	f := newFetchFakes()
	parts := []fetchPart{{topic: "a"}, {topic: "a", partition: 1}, {topic: "a", partition: 2}, {topic: "b"}, {topic: "c"}}
	for i, p := range parts[:4] {
		fake := f.add(t, p.topic, p.partition)
		for range i + 1 {
			fake.produce(t, 3, 50*(i+1), true)
		}
	}
	f.parts[fetchKey{topic: "a", partition: 2}].mu.epoch = 3 // fenced below
	for _, v := range []int16{4, 7, 11, 12, 13, 16, 18} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			h := newFetchHandler(t, nil)
			r := fetchRequest(v, parts...)
			r.IsolationLevel = replication.ReadCommitted
			r.Topics[0].Partitions[2].CurrentLeaderEpoch = 2
			resp, err := h.serveFetch(fetchContextT(t), r, f.lookup)
			if err != nil {
				t.Fatal(err)
			}
			body, ok := resp.(*fetchBody)
			if !ok {
				t.Fatalf("response is a %T", resp)
			}
			want := withRecords(t, f, body.FetchResponse).AppendTo(nil)
			if got := fetchBodyBytes(t, body); !bytes.Equal(got, want) {
				t.Fatalf("body differs from kmsg's encoding: %d bytes, want %d", len(got), len(want))
			}
		})
	}
}

// withRecords copies resp with every partition's records read straight
// from the fake logs.
func withRecords(t *testing.T, f *fetchFakes, resp *kmsg.FetchResponse) *kmsg.FetchResponse {
	t.Helper()
	out := *resp
	out.Topics = make([]kmsg.FetchResponseTopic, len(resp.Topics))
	for i, rt := range resp.Topics {
		out.Topics[i] = rt
		out.Topics[i].Partitions = append([]kmsg.FetchResponseTopicPartition(nil), rt.Partitions...)
		for j := range out.Topics[i].Partitions {
			p := &out.Topics[i].Partitions[j]
			fake := f.parts[fetchKey{topic: rt.Topic, id: rt.TopicID, partition: p.Partition}]
			if fake == nil || p.ErrorCode != 0 {
				continue
			}
			recs, err := fake.log.Read(context.Background(), 0, 1<<30, fake.HighWatermark())
			if err != nil {
				t.Fatal(err)
			}
			p.RecordBatches, err = recs.AppendTo([]byte{})
			recs.Close()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return &out
}

// A body is written once; its records are released after a failed write
// as after a good one, and Close releases them when it is never written.
func TestFetchBodyReleasesRecords(t *testing.T) {
	f := newFetchFakes()
	f.add(t, "a", 0).produce(t, 3, 100, true)
	f.add(t, "b", 0).produce(t, 3, 100, true)
	h := newFetchHandler(t, nil)
	serve := func() *fetchBody {
		resp, err := h.serveFetch(fetchContextT(t), fetchRequest(12, fetchPart{topic: "a"}, fetchPart{topic: "b"}), f.lookup)
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*fetchBody)
	}

	b := serve()
	fetchBodyBytes(t, b)
	if err := b.WriteBody(&fetchBuffer{}); !errors.Is(err, errFetchBodyWritten) {
		t.Fatalf("second WriteBody: %v", err)
	}
	b.Close()

	b = serve()
	failing := &failingWriter{left: b.BodySize() / 2}
	if err := b.WriteBody(failing); err == nil {
		t.Fatal("WriteBody succeeded on a failing writer")
	}
	if _, ok := b.held.take(); ok {
		t.Fatal("records held after a failed write")
	}

	b = serve()
	b.Close()
	if _, ok := b.held.take(); ok {
		t.Fatal("records held after Close")
	}
	if err := b.WriteBody(&fetchBuffer{}); !errors.Is(err, errFetchBodyWritten) {
		t.Fatalf("WriteBody after Close: %v", err)
	}
}

// failingWriter fails once left bytes are written.
type failingWriter struct{ left int }

var errFetchTestWrite = errors.New("test: write failed")

func (w *failingWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		n := w.left
		w.left = 0
		return n, errFetchTestWrite
	}
	w.left -= len(p)
	return len(p), nil
}

// A response without records is a plain kmsg response.
func TestFetchBodyWithoutRecords(t *testing.T) {
	f := newFetchFakes()
	f.add(t, "a", 0)
	resp, err := newFetchHandler(t, nil).serveFetch(fetchContextT(t), fetchRequest(12, fetchPart{topic: "a"}), f.lookup)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := resp.(*kmsg.FetchResponse); !ok {
		t.Fatalf("response is a %T", resp)
	}
}

// From version 16 a partition whose leader moved names the new leader and
// its endpoint.
func TestFetchCurrentLeader(t *testing.T) {
	img := &controller.Image{
		Brokers: map[int32]controller.Broker{2: {ID: 2, Host: "b2", Port: 9092, Rack: "r"}},
		Topics: map[string]*controller.Topic{"a": {Name: "a", Partitions: []controller.Partition{
			{Index: 0, Leader: 2, LeaderEpoch: 7}, {Index: 1, Leader: 2, LeaderEpoch: 8},
		}}},
	}
	l := newFetchLeaders(fetchTestCluster{img: img}, 16)
	var parts []kmsg.FetchResponseTopicPartition
	for i, code := range []int16{kerr.NotLeaderForPartition.Code, kerr.FencedLeaderEpoch.Code, kerr.OffsetOutOfRange.Code} {
		p := kmsg.NewFetchResponseTopicPartition()
		p.ErrorCode = code
		l.add(fetchKey{topic: "a", partition: int32(min(i, 1))}, &p)
		parts = append(parts, p)
	}
	if got := parts[0].CurrentLeader; got.LeaderID != 2 || got.LeaderEpoch != 7 {
		t.Errorf("not leader: %+v", got)
	}
	if got := parts[1].CurrentLeader; got.LeaderID != 2 || got.LeaderEpoch != 8 {
		t.Errorf("fenced: %+v", got)
	}
	if got := parts[2].CurrentLeader; got.LeaderID != -1 {
		t.Errorf("out of range: %+v", got)
	}
	if len(l.brokers) != 1 || l.brokers[0].Host != "b2" || l.brokers[0].Port != 9092 || *l.brokers[0].Rack != "r" {
		t.Errorf("brokers %+v", l.brokers)
	}
}
