package remote

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/strata-streaming/strata/tiered/objstore"
)

// TestKeyScheme pins the key layout of doc.go.
func TestKeyScheme(t *testing.T) {
	id := goldenTP.TopicID.String()
	if id != "a48cAppETh2hA1x-INQzkQ" {
		t.Fatalf("topic id text %q", id)
	}
	sum := sha256.Sum256([]byte(id + "/3"))
	prefix := hex.EncodeToString(sum[:4]) + "/orders-" + id + "/3/"
	if got := PartitionPrefix(goldenTP); got != prefix {
		t.Fatalf("PartitionPrefix = %q, want %q", got, prefix)
	}
	if got := PartitionManifestKey(goldenTP); got != prefix+"manifest.json" {
		t.Fatalf("PartitionManifestKey = %q", got)
	}
	key := SegmentKey(goldenTP, 368769, 12, 0xfedcba9876543210)
	if want := prefix + "00000000000000368769-12-fedcba9876543210.seg"; key != want {
		t.Fatalf("SegmentKey = %q, want %q", key, want)
	}
	topicSum := sha256.Sum256([]byte(id))
	if got, want := TopicManifestKey("orders", goldenTP.TopicID), hex.EncodeToString(topicSum[:4])+"/orders-"+id+"/topic.json"; got != want {
		t.Fatalf("TopicManifestKey = %q, want %q", got, want)
	}
	for _, k := range []string{key, PartitionManifestKey(goldenTP), TopicManifestKey("orders", goldenTP.TopicID)} {
		if err := objstore.ValidateKey(k); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseSegmentKey(t *testing.T) {
	long := TopicPartition{Topic: strings.Repeat("x-", 124) + "y", TopicID: TopicID{0xff}, Partition: 1<<31 - 1}
	for _, k := range []SegmentKeyInfo{
		{TopicPartition: goldenTP, BaseOffset: 0, LeaderEpoch: 0, UploadID: 0},
		{TopicPartition: long, BaseOffset: 1<<63 - 1, LeaderEpoch: 1<<31 - 1, UploadID: 1<<64 - 1},
		{TopicPartition: TopicPartition{Topic: "a-b", TopicID: TopicID{1, 2, 3}, Partition: 10}, BaseOffset: 42, LeaderEpoch: 7, UploadID: NewUploadID()},
	} {
		key := SegmentKey(k.TopicPartition, k.BaseOffset, k.LeaderEpoch, k.UploadID)
		got, err := ParseSegmentKey(key)
		if err != nil || got != k {
			t.Fatalf("ParseSegmentKey(%q) = %+v, %v; want %+v", key, got, err, k)
		}
		if err := objstore.ValidateKey(key); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(key, PartitionPrefix(k.TopicPartition)) {
			t.Fatalf("%q is not under its partition prefix", key)
		}
	}
	good := SegmentKey(goldenTP, 96, 5, 0x0123456789abcdef)
	for _, bad := range []string{
		"",
		good[:len(good)-4],
		strings.Replace(good, "571a3307", "571a3308", 1),                        // wrong hash
		strings.Replace(good, "/3/", "/03/", 1),                                 // leading zero
		strings.Replace(good, "/3/", "/-3/", 1),                                 // negative
		strings.Replace(good, "-5-", "-+5-", 1),                                 // sign
		strings.Replace(good, "-5-", "--5-", 1),                                 // negative epoch
		strings.Replace(good, "0123456789abcdef", "0123456789ABCDEF", 1),        // upper-case hex
		strings.Replace(good, "0123456789abcdef", "123456789abcdef", 1),         // short upload id
		strings.Replace(good, "00000000000000000096", "0000000000000000096", 1), // short offset
		strings.Replace(good, "orders-", "or/ders-", 1),
		strings.Replace(good, "orders-", "ord$rs-", 1),
		strings.Replace(good, "orders-", "-", 1),
		strings.Replace(good, ".seg", ".json", 1),
		PartitionManifestKey(goldenTP),
		"a/b/c/d.seg",
	} {
		if _, err := ParseSegmentKey(bad); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("ParseSegmentKey(%q) = %v, want ErrInvalidKey", bad, err)
		}
	}
}

func TestPartitionPrefixesAreDisjoint(t *testing.T) {
	a := PartitionPrefix(TopicPartition{Topic: "t", TopicID: TopicID{1}, Partition: 1})
	b := SegmentKey(TopicPartition{Topic: "t", TopicID: TopicID{1}, Partition: 10}, 0, 0, 0)
	if strings.HasPrefix(b, a) {
		t.Fatalf("partition 10's key %q is under partition 1's prefix %q", b, a)
	}
}

func TestTopicPartitionValidate(t *testing.T) {
	for _, tp := range []TopicPartition{
		{Topic: "", TopicID: TopicID{1}},
		{Topic: ".", TopicID: TopicID{1}},
		{Topic: "..", TopicID: TopicID{1}},
		{Topic: strings.Repeat("x", 250), TopicID: TopicID{1}},
		{Topic: "a b", TopicID: TopicID{1}},
		{Topic: "é", TopicID: TopicID{1}},
		{Topic: "t"},
		{Topic: "t", TopicID: TopicID{1}, Partition: -1},
	} {
		if err := tp.Validate(); !errors.Is(err, ErrInvalidKey) {
			t.Fatalf("%+v: %v", tp, err)
		}
	}
	if _, err := ParseTopicID("a48cAppETh2hA1x-INQzkR"); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("non-canonical base64: %v", err)
	}
}
