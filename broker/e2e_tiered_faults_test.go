package broker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/remote"
)

// bucketOf opens the store's bucket for the test to look into.
func (s *tieredStore) bucketOf(t *testing.T) objstore.Bucket {
	t.Helper()
	b, err := objstore.OpenURL(context.Background(), s.url)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// remoteState lists a partition's segment objects and loads its manifest.
func remoteState(t *testing.T, ctx context.Context, bucket objstore.Bucket, tp remote.TopicPartition) (objects []string, m remote.PartitionManifest) {
	t.Helper()
	err := bucket.List(ctx, remote.PartitionPrefix(tp), func(a objstore.ObjectAttrs) error {
		if strings.HasSuffix(a.Key, ".seg") {
			objects = append(objects, a.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err = remote.LoadPartitionManifest(ctx, bucket, tp)
	if err != nil {
		t.Fatal(err)
	}
	return objects, m
}

// topicPartition names a partition of a broker's topic in the bucket.
func topicPartition(t *testing.T, b *Broker, topic string, p int32) remote.TopicPartition {
	t.Helper()
	top, ok := b.ctrl.Image().Topic(topic)
	if !ok {
		t.Fatalf("no topic %s", topic)
	}
	return remote.TopicPartition{Topic: topic, TopicID: remote.TopicID(top.ID), Partition: p}
}

// waitClean waits until the bucket holds exactly the segment objects the
// partition's manifest names, and checks that the manifest's segments
// follow each other without overlap.
func waitClean(t *testing.T, ctx context.Context, bucket objstore.Bucket, tp remote.TopicPartition) remote.PartitionManifest {
	t.Helper()
	for {
		objects, m := remoteState(t, ctx, bucket, tp)
		var named []string
		for i, s := range m.Segments {
			named = append(named, s.Key)
			if i > 0 && s.BaseOffset != m.Segments[i-1].NextOffset {
				t.Fatalf("manifest segments %d and %d do not follow each other: %+v", i-1, i, m.Segments[i-1:i+1])
			}
		}
		slices.Sort(objects)
		slices.Sort(named)
		if slices.Equal(objects, named) {
			return m
		}
		select {
		case <-ctx.Done():
			t.Fatalf("bucket holds %d segment objects, the manifest names %d", len(objects), len(named))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// TestTieredOutage stops MinIO for 30 seconds while producing: no produce
// fails, a cold read fails retriably, uploads resume once it is back, the
// sweeper leaves no orphan, and every record reads back.
func TestTieredOutage(t *testing.T) {
	store := newTieredStore(t)
	d := newTieredData("outage", 2, 600, 4<<10)
	d.batchBytes = 64 << 10
	ctx := testContext(t)
	b := startBroker(t, t.TempDir(), store.settings(map[string]string{
		"remote.log.orphan.grace.ms":          "5000",
		"remote.log.orphan.sweep.interval.ms": "1000",
	}))
	createTopic(t, newAdmin(t, b), d.topic, 2, topicConfigs("segment.bytes", "262144", "local.retention.bytes", "1"))
	cl := d.producer(t, b)
	d.produce(t, ctx, cl, 0, 200)
	waitTiered(t, ctx, b, d.topic)

	store.srv.Stop(t)
	deadline := time.Now().Add(30 * time.Second)
	for i := 200; i < d.records; i += 20 {
		d.produce(t, ctx, cl, i, i+20) // fails the test on any produce error
		if i == 200 {
			checkColdReadFails(t, ctx, b, d.topic)
		}
		time.Sleep(time.Until(deadline) / time.Duration((d.records-i)/20))
	}
	time.Sleep(time.Until(deadline))
	for _, pt := range b.Tiers() {
		if pt.Topic == d.topic && pt.Remote.BacklogBytes == 0 {
			t.Errorf("partition %d has no upload backlog after the outage: %+v", pt.Partition, pt.Remote)
		}
	}
	store.srv.Restart(t)

	waitTiered(t, ctx, b, d.topic)
	bucket := store.bucketOf(t)
	for p := range int32(d.partitions) {
		m := waitClean(t, ctx, bucket, topicPartition(t, b, d.topic, p))
		if m.LogStartOffset != 0 || len(m.Segments) == 0 || m.Segments[0].BaseOffset != 0 {
			t.Fatalf("partition %d manifest after the outage: start %d, %d segments", p, m.LogStartOffset, len(m.Segments))
		}
	}
	d.consumeAll(t, ctx, b, d.records)
}

// checkColdReadFails fetches offset 0, which only the unreachable bucket
// holds, and expects a retriable storage error rather than data or an
// out-of-range answer.
func checkColdReadFails(t *testing.T, ctx context.Context, b *Broker, topic string) {
	t.Helper()
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis, req.MaxBytes, req.Version = 100, 1<<20, 12
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic = topic
	rt.TopicID = topicPartition(t, b, topic, 0).TopicID
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.PartitionMaxBytes = 1 << 20
	rp.CurrentLeaderEpoch = -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, newClient(t, b))
	if err != nil {
		t.Fatal(err)
	}
	code := resp.Topics[0].Partitions[0].ErrorCode
	if err := kerr.ErrorForCode(code); !errors.Is(err, kerr.KafkaStorageError) || !kerr.IsRetriable(err) {
		t.Fatalf("cold read during an outage answered %v, want the retriable KAFKA_STORAGE_ERROR", err)
	}
}

// TestTieredRetention checks total retention over both tiers, DeleteRecords
// inside the remote tier across a restart, and the deletion of a topic's
// remote data.
func TestTieredRetention(t *testing.T) {
	store := newTieredStore(t)
	d := newTieredData("retained", 1, 400, 4<<10)
	d.batchBytes = 16 << 10
	ctx := testContext(t)
	dir := t.TempDir()
	b := startBroker(t, dir, store.settings(nil))
	adm := newAdmin(t, b)
	createTopic(t, adm, d.topic, 1, topicConfigs("segment.bytes", "65536", "local.retention.bytes", "1",
		"retention.bytes", "400000"))
	d.produce(t, ctx, d.producer(t, b), 0, d.records)
	bucket := store.bucketOf(t)
	tp := topicPartition(t, b, d.topic, 0)

	// retention.bytes: the oldest remote segments go, from the manifest and
	// from the bucket, and the log start offset moves up.
	m := pollUntil(t, ctx, "remote retention by size", func() (remote.PartitionManifest, bool) {
		m := waitClean(t, ctx, bucket, tp)
		return m, m.LogStartOffset > 0 && len(m.Segments) > 0
	})
	checkEarliest(t, ctx, b, d.topic, m.LogStartOffset)

	// DeleteRecords inside the remote tier survives a restart.
	cut := m.Segments[len(m.Segments)-1].BaseOffset + 1
	if _, err := adm.DeleteRecords(ctx, kadmOffsets(d.topic, 0, cut)); err != nil {
		t.Fatal(err)
	}
	b.Close()
	b = startBroker(t, dir, store.settings(nil))
	adm = newAdmin(t, b)
	checkEarliest(t, ctx, b, d.topic, cut)

	// retention.ms: the records are an hour old, so everything sealed goes.
	if err := alterTopic(ctx, adm, d.topic, "retention.ms", "60000"); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, ctx, "remote retention by time", func() (remote.PartitionManifest, bool) {
		m := waitClean(t, ctx, bucket, tp)
		return m, len(m.Segments) == 0 && m.LogStartOffset > cut
	})

	// Deleting the topic deletes its remote data.
	if _, err := adm.DeleteTopics(ctx, d.topic); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, ctx, "remote data of the deleted topic to go", func() (int, bool) {
		n := 0
		bucket.List(ctx, "", func(a objstore.ObjectAttrs) error {
			if strings.Contains(a.Key, d.topic) {
				n++
			}
			return nil
		})
		return n, n == 0
	})
}

// waitFor polls f until it reports done, failing the test when ctx ends.
func pollUntil[T any](t *testing.T, ctx context.Context, what string, f func() (T, bool)) T {
	t.Helper()
	for {
		v, done := f()
		if done {
			return v
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %+v", what, v)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// checkEarliest checks ListOffsets earliest of partition 0.
func checkEarliest(t *testing.T, ctx context.Context, b *Broker, topic string, want int64) {
	t.Helper()
	offs, err := newAdmin(t, b).ListStartOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	o, _ := offs.Lookup(topic, 0)
	if o.Err != nil || o.Offset != want {
		t.Fatalf("earliest offset %d (%v), want %d", o.Offset, o.Err, want)
	}
}

// kadmOffsets is one offset of one partition.
func kadmOffsets(topic string, p int32, at int64) kadm.Offsets {
	os := kadm.Offsets{}
	os.Add(kadm.Offset{Topic: topic, Partition: p, At: at})
	return os
}

// alterTopic sets one topic config.
func alterTopic(ctx context.Context, adm *kadm.Client, topic, name, value string) error {
	resps, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: name, Value: &value}}, topic)
	if err != nil {
		return err
	}
	for _, r := range resps {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}
