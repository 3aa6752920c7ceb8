package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/broker"
	"github.com/strata-streaming/strata/tiered/objstore/miniotest"
)

func TestChildStop(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	c, err := startChild("sleeper", sleep, []string{"600"}, nil, filepath.Join(t.TempDir(), "sleep.log"))
	if err != nil {
		t.Fatal(err)
	}
	if c.exited() {
		t.Fatal("exited at once")
	}
	c.stop(10 * time.Second)
	if !c.exited() {
		t.Fatal("still running after stop")
	}
}

// TestObjectBaselines runs the raw PUT and ranged GET baselines, and the
// listing the suite watches uploads with, against a real MinIO.
func TestObjectBaselines(t *testing.T) {
	if bin, err := miniotest.BinaryPath(); err != nil || !isFile(bin) {
		if os.Getenv("CI") != "" {
			t.Fatalf("the MinIO server is not built (%v): `make test` builds it", err)
		}
		t.Skip("the MinIO server is not built: run `make minio`")
	}
	srv, err := startMinIO(t.Context(), t.TempDir(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.stop(stopGrace) })
	const bucket = "bench"
	if err := srv.makeBucket(t.Context(), bucket); err != nil {
		t.Fatal(err)
	}
	m := srv.Client
	sizes := []int64{3 << 20, 100, 1 << 20}
	put, err := rawPuts(t.Context(), m, bucket, "tiered/p/", sizes)
	if err != nil || put.Bytes != 4<<20+100 || put.Records != 3 {
		t.Fatalf("rawPuts = %+v, %v; want 3 objects, %d bytes", put, err, 4<<20+100)
	}
	objs, err := listSegments(t.Context(), m, bucket, "tiered/")
	if err != nil || len(objs) != 3 || totalSize(objs) != put.Bytes {
		t.Fatalf("listSegments = %v, %v; want the 3 objects put", objs, err)
	}
	get, err := rawRangedGets(t.Context(), m, bucket, objs, 1<<20, 2)
	if err != nil || get.Bytes != put.Bytes {
		t.Fatalf("rawRangedGets = %+v, %v; want %d bytes", get, err, put.Bytes)
	}
	missing := []object{{Key: "tiered/absent.seg", Size: 10}}
	if _, err := rawRangedGets(t.Context(), m, bucket, missing, 4, 2); err == nil {
		t.Fatal("ranged GETs of a missing object succeeded")
	}
	w := startUploadWatch(t.Context(), m, bucket, "tiered/")
	deadline := time.Now().Add(time.Minute)
	for w.seen().bytes != put.Bytes && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if seen := w.stop(); seen.bytes != put.Bytes || seen.last.IsZero() {
		t.Fatalf("upload watch saw %+v, want %d bytes", seen, put.Bytes)
	}
}

func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// TestListOffsetSpecialTimestamps asks an in-process broker for the
// offsets the cold scenario polls.
func TestListOffsetSpecialTimestamps(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := broker.Start(ctx, broker.Config{NodeID: 1, Listen: "127.0.0.1:0", DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr().String()), kgo.AllowAutoTopicCreation(), kgo.DefaultProduceTopic(coldTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for range 5 {
		if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	for ts, want := range map[int64]int64{-2: 0, -4: 0, -1: 5} {
		got, err := listOffset(ctx, cl, coldTopic, ts)
		if err != nil || got != want {
			t.Errorf("listOffset(%d) = %d, %v; want %d", ts, got, err, want)
		}
	}
}
