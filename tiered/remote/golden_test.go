package remote

import (
	"bytes"
	"encoding/hex"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/strata-streaming/strata/tiered/batch/batchtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// goldenTP is the partition of the golden files.
var goldenTP = TopicPartition{
	Topic:     "orders",
	TopicID:   TopicID{0x6b, 0x8f, 0x1c, 0x02, 0x9a, 0x44, 0x4e, 0x1d, 0xa1, 0x03, 0x5c, 0x7e, 0x20, 0xd4, 0x33, 0x91},
	Partition: 3,
}

var goldenTime = time.Date(2024, 5, 17, 12, 30, 0, 0, time.UTC)

// goldenBatches is the deterministic input of the golden segment: four
// batches of compressible values (one lz4 chunk), then two of random bytes
// (a chunk stored as it is, since lz4 cannot shrink it), across two leader
// epochs.
func goldenBatches() []byte {
	var out []byte
	offset := int64(100)
	for i := range 4 {
		opts := batchtest.Options{BaseOffset: offset, PartitionLeaderEpoch: 4, BaseTimestamp: testBaseTime + int64(i)*10}
		out = append(out, batchtest.Values(3, 40, opts)...)
		offset += 3
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2 {
		recs := make([]batchtest.Record, 2)
		for j := range recs {
			recs[j].Value = make([]byte, 150)
			for k := range recs[j].Value {
				recs[j].Value[k] = byte(rng.Uint32())
			}
			recs[j].TimestampDelta = int64(j)
		}
		opts := batchtest.Options{BaseOffset: offset, PartitionLeaderEpoch: 5, BaseTimestamp: testBaseTime + 100 + int64(i)}
		out = append(out, batchtest.Build(recs, opts)...)
		offset += 2
	}
	return out
}

// goldenObject builds the golden segment object.
func goldenObject(tb testing.TB) ([]byte, ObjectInfo) {
	tb.Helper()
	obj, info, err := BuildSegment(goldenBatches(), 96, WriterConfig{ChunkBytes: 1 << 10})
	if err != nil {
		tb.Fatal(err)
	}
	return obj, info
}

func goldenManifests(tb testing.TB, info ObjectInfo) (TopicManifest, PartitionManifest) {
	tb.Helper()
	tm := TopicManifest{
		Topic: goldenTP.Topic, TopicID: goldenTP.TopicID, Partitions: 6, Created: goldenTime,
		Configs: map[string]string{"cleanup.policy": "delete", "retention.ms": "604800000", "remote.storage.enable": "true"},
	}
	pm := NewPartitionManifest(goldenTP)
	pm.LogStartOffset = 96
	key := SegmentKey(goldenTP, info.Meta.BaseOffset, 5, UploadID(0x0123456789abcdef))
	pm, err := AddSegment(pm, info.Segment(key, goldenTime.Add(time.Hour)))
	if err != nil {
		tb.Fatal(err)
	}
	return tm, pm
}

// TestGoldenFiles pins the format of doc.go: the segment object (and its
// trailer and footer on their own), the topic manifest and the partition
// manifest built from fixed input must be these bytes.
func TestGoldenFiles(t *testing.T) {
	obj, info := goldenObject(t)
	if info.Chunks != 2 || info.CompressedChunks != 1 {
		t.Fatalf("golden object has %d chunks, %d compressed; want 2 and 1", info.Chunks, info.CompressedChunks)
	}
	tr, err := ParseTrailer(obj)
	if err != nil {
		t.Fatal(err)
	}
	footerAt := len(obj) - TrailerSize - int(tr.FooterLength)
	tm, pm := goldenManifests(t, info)
	tmBytes, err := EncodeTopicManifest(tm)
	if err != nil {
		t.Fatal(err)
	}
	pmBytes, err := EncodePartitionManifest(pm)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "segment.golden", []byte(hex.Dump(obj)))
	checkGolden(t, "trailer.golden", []byte(hex.Dump(obj[len(obj)-TrailerSize:])))
	checkGolden(t, "footer.golden", []byte(hex.Dump(obj[footerAt:len(obj)-TrailerSize])))
	checkGolden(t, "topic_manifest.golden", tmBytes)
	checkGolden(t, "partition_manifest.golden", pmBytes)
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n%s", name, got)
	}
}

// TestTrailerLayout pins the trailer field by field.
func TestTrailerLayout(t *testing.T) {
	tr := Trailer{Version: 1, FooterLength: 0x01020304, FooterCRC: 0x0a0b0c0d}
	got := hex.EncodeToString(tr.AppendTo(nil))
	if want := "53545347" + "0001" + "0000" + "01020304" + "0a0b0c0d"; got != want {
		t.Fatalf("trailer\n got %s\nwant %s", got, want)
	}
	back, err := ParseTrailer(tr.AppendTo([]byte("prefix")))
	if err != nil || back != tr {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
}

// TestFooterLayout pins the footer's header, a chunk entry and an epoch
// entry field by field.
func TestFooterLayout(t *testing.T) {
	f := Footer{
		Meta: SegmentMeta{BaseOffset: 1, LastOffset: 2, NextOffset: 3, MinTimestamp: 4, MaxTimestamp: 5,
			MaxTimestampOffset: 6, BatchBytes: 7, RecordCount: 8, BatchCount: 9,
			LeaderEpochs: []EpochEntry{{Epoch: 0x0e, StartOffset: 0x0f}}},
		Chunks: []ChunkEntry{{FirstOffset: 0x10, LastOffset: 0x11, MaxTimestamp: 0x12, Position: 0x13,
			StoredLength: 0x14, RawLength: 0x15, BatchCount: 0x16, CRC: 0x17, Codec: CodecLZ4}},
	}
	got := hex.EncodeToString(f.AppendTo(nil))
	want := "0000000000000001" + "0000000000000002" + "0000000000000003" + "0000000000000004" +
		"0000000000000005" + "0000000000000006" + "0000000000000007" + "0000000000000008" +
		"00000009" + "00000001" + "00000001" +
		"0000000000000010" + "0000000000000011" + "0000000000000012" + "0000000000000013" +
		"00000014" + "00000015" + "00000016" + "00000017" + "01" +
		"0000000e" + "000000000000000f"
	if got != want {
		t.Fatalf("footer\n got %s\nwant %s", got, want)
	}
	if len(got)/2 != f.encodedSize() {
		t.Fatalf("encoded %d bytes, encodedSize says %d", len(got)/2, f.encodedSize())
	}
}
