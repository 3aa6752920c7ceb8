package main

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/tiered/objstore"
	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
	"github.com/strata-streaming/strata/tiered/remote"
)

// TestTieredKillMidUpload kills `strata serve` with SIGKILL while it
// produces into a topic that uploads a segment every few hundred records,
// restarts it, and checks that no acknowledged record is missing and that
// the manifests and the hot tier agree: the log reads from offset 0 to its
// end without a gap, and no manifest runs past the log.
func TestTieredKillMidUpload(t *testing.T) {
	srv := miniotest.Start(t)
	bucket := srv.NewBucket(t, "crash")
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	storeURL := fmt.Sprintf("s3://%s/c?endpoint=%s&region=%s&path-style=true", bucket, srv.URL(), srv.Region)
	dir, addr := t.TempDir(), freeAddr(t)
	args := []string{"--listen", addr, "--data-dir", dir, "--object-store", storeURL, "--log-level", "warn",
		"--override", "remote.log.manager.task.interval.ms=200", "--override", "log.retention.check.interval.ms=200"}
	cmd, logs := startServe(t, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	waitListening(t, ctx, addr, logs.String)

	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchMaxBytes(64<<10), kgo.RecordDeliveryTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	v := func(s string) *string { return &s }
	resp, err := adm.CreateTopic(ctx, 2, 1, map[string]*string{"segment.bytes": v("262144"), "local.retention.bytes": v("1")}, "crash")
	if err != nil || resp.Err != nil {
		t.Fatalf("create topic: %v %v\n%s", err, resp.Err, logs)
	}

	acked := produceUntilKilled(t, ctx, cl, adm, cmd.Process.Kill)
	cmd.Wait()
	cl.Close()

	_, logs = startServe(t, args...)
	waitListening(t, ctx, addr, logs.String)
	checkAcked(t, ctx, addr, acked, logs.String)
	checkManifests(t, ctx, storeURL, addr)
}

// produceUntilKilled produces into both partitions until uploads are under
// way, kills the broker while still producing, and returns the value of
// every acknowledged record by partition and offset.
func produceUntilKilled(t *testing.T, ctx context.Context, cl *kgo.Client, adm *kadm.Client, kill func() error) map[int32]map[int64]string {
	t.Helper()
	var mu sync.Mutex
	acked := map[int32]map[int64]string{0: {}, 1: {}}
	pctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		value := make([]byte, 1000)
		for i := 0; pctx.Err() == nil; i++ {
			var recs []*kgo.Record
			for j := range 200 {
				p := int32(j % 2)
				recs = append(recs, &kgo.Record{Topic: "crash", Partition: p, Value: fmt.Appendf(nil, "%d-%d-%d-%s", p, i, j, value)})
			}
			for _, r := range cl.ProduceSync(pctx, recs...) {
				if r.Err == nil {
					mu.Lock()
					acked[r.Record.Partition][r.Record.Offset] = string(r.Record.Value)
					mu.Unlock()
				}
			}
		}
	}()
	for !tieredEnough(ctx, adm) {
		select {
		case <-ctx.Done():
			t.Fatal("no uploads before the deadline")
		case <-time.After(200 * time.Millisecond):
		}
	}
	// SIGKILL while records are in flight and segments are uploading.
	if err := kill(); err != nil {
		t.Fatal(err)
	}
	// Closing the client fails what is still in flight to the dead broker.
	stop()
	cl.Close()
	<-done
	mu.Lock()
	defer mu.Unlock()
	return acked
}

// tieredEnough reports whether both partitions have uploaded several
// segments (ListOffsets LATEST_TIERED).
func tieredEnough(ctx context.Context, adm *kadm.Client) bool {
	offs, err := adm.ListOffsetsAfterMilli(ctx, -5, "crash")
	if err != nil {
		return false
	}
	n := 0
	offs.Each(func(o kadm.ListedOffset) {
		if o.Err == nil && o.Offset > 300 {
			n++
		}
	})
	return n == 2
}

// checkAcked consumes both partitions from offset 0 to their ends and
// checks every acknowledged record is there, and that offsets run without
// a gap.
func checkAcked(t *testing.T, ctx context.Context, addr string, acked map[int32]map[int64]string, logs func() string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		"crash": {0: kgo.NewOffset().At(0), 1: kgo.NewOffset().At(0)}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "crash")
	if err != nil {
		t.Fatalf("list end offsets after the restart: %v\n%s", err, logs())
	}
	next := map[int32]int64{0: 0, 1: 0}
	for done := false; !done; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("consume after the restart stopped at %v\n%s", next, logs())
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("fetch partition %d: %v\n%s", p, err, logs()) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset != next[r.Partition] {
				t.Fatalf("partition %d: offset %d after %d: a gap", r.Partition, r.Offset, next[r.Partition]-1)
			}
			if want, ok := acked[r.Partition][r.Offset]; ok && want != string(r.Value) {
				t.Fatalf("partition %d offset %d holds another record than the one acknowledged", r.Partition, r.Offset)
			}
			next[r.Partition]++
		})
		done = true
		ends.Each(func(o kadm.ListedOffset) { done = done && next[o.Partition] >= o.Offset })
	}
	for p, recs := range acked {
		for off := range recs {
			if off >= next[p] {
				t.Fatalf("partition %d: acknowledged offset %d is gone (the log ends at %d)", p, off, next[p])
			}
		}
	}
	t.Logf("after the restart: %v records; %d and %d acknowledged", next, len(acked[0]), len(acked[1]))
}

// checkManifests checks each partition's manifest ends within the log.
func checkManifests(t *testing.T, ctx context.Context, storeURL, addr string) {
	t.Helper()
	bucket, err := objstore.OpenURL(ctx, storeURL)
	if err != nil {
		t.Fatal(err)
	}
	found, err := remote.FindTopics(ctx, bucket, "crash")
	if err != nil || len(found) != 1 {
		t.Fatalf("topic manifests of crash: %v, %v", found, err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "crash")
	if err != nil {
		t.Fatal(err)
	}
	for p := range int32(2) {
		m, ok, err := remote.LoadPartitionManifest(ctx, bucket, remote.TopicPartition{Topic: "crash", TopicID: found[0].TopicID, Partition: p})
		if err != nil || !ok || len(m.Segments) == 0 {
			t.Fatalf("partition %d manifest: %v %v %+v", p, ok, err, m)
		}
		end, _ := ends.Lookup("crash", p)
		if m.EndOffset() > end.Offset {
			t.Fatalf("partition %d: the manifest ends at %d, past the log end %d", p, m.EndOffset(), end.Offset)
		}
	}
}

// waitListening waits until a broker accepts connections on addr.
func waitListening(t *testing.T, ctx context.Context, addr string, logs func() string) {
	t.Helper()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nothing listens on %s: %v\n%s", addr, err, logs())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
