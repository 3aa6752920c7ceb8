package remote

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// TopicID is a topic's 16-byte UUID, the bytes of the controller's
// TopicID. It is written as Kafka prints topic ids: 22 characters of
// unpadded base64url.
type TopicID [16]byte

// IsZero reports whether id is the zero (unassigned) id.
func (id TopicID) IsZero() bool { return id == TopicID{} }

func (id TopicID) String() string { return base64.RawURLEncoding.EncodeToString(id[:]) }

// MarshalText implements encoding.TextMarshaler.
func (id TopicID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *TopicID) UnmarshalText(b []byte) error {
	v, err := ParseTopicID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// topicIDLen is the length of a TopicID's text.
const topicIDLen = 22

// ParseTopicID parses the 22-character form of a topic id.
func ParseTopicID(s string) (TopicID, error) {
	var id TopicID
	if len(s) != topicIDLen {
		return id, fmt.Errorf("%w: topic id %q is not %d characters", ErrInvalidKey, s, topicIDLen)
	}
	n, err := base64.RawURLEncoding.Strict().Decode(id[:], []byte(s))
	if err != nil || n != len(id) {
		return id, fmt.Errorf("%w: topic id %q is not base64url", ErrInvalidKey, s)
	}
	return id, nil
}

// UploadID tells apart the attempts to upload a segment, so that a retry
// never writes over an object an earlier attempt may have left.
type UploadID uint64

// NewUploadID returns a random upload id.
func NewUploadID() UploadID {
	var b [8]byte
	rand.Read(b[:])
	return UploadID(binary.BigEndian.Uint64(b[:]))
}

func (u UploadID) String() string { return fmt.Sprintf("%016x", uint64(u)) }

// TopicPartition names a partition in the bucket.
type TopicPartition struct {
	Topic     string
	TopicID   TopicID
	Partition int32
}

// maxTopicLen is Kafka's limit on topic names.
const maxTopicLen = 249

// Validate checks that the partition can be named by keys: a legal Kafka
// topic name (1 to 249 of [a-zA-Z0-9._-], not "." or ".."), a topic id
// that is not zero and a partition that is not negative.
func (tp TopicPartition) Validate() error {
	if err := validateTopic(tp.Topic, tp.TopicID); err != nil {
		return err
	}
	if tp.Partition < 0 {
		return fmt.Errorf("%w: partition %d", ErrInvalidKey, tp.Partition)
	}
	return nil
}

func validateTopic(topic string, id TopicID) error {
	switch {
	case topic == "" || len(topic) > maxTopicLen || topic == "." || topic == "..":
		return fmt.Errorf("%w: topic name %q", ErrInvalidKey, topic)
	case strings.ContainsFunc(topic, func(r rune) bool { return !legalTopicRune(r) }):
		return fmt.Errorf("%w: topic name %q holds a character other than [a-zA-Z0-9._-]", ErrInvalidKey, topic)
	case id.IsZero():
		return fmt.Errorf("%w: topic %q has the zero topic id", ErrInvalidKey, topic)
	}
	return nil
}

func legalTopicRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
}

// keyHash is the 8 hex digits that open a key: the first 4 bytes of the
// SHA-256 of s.
func keyHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// topicDir is "<topic>-<topic id>".
func topicDir(topic string, id TopicID) string { return topic + "-" + id.String() }

// PartitionPrefix is the prefix of every key of the partition's objects:
// "<hash>/<topic>-<topic id>/<partition>/", where hash is keyHash of
// "<topic id>/<partition>". Listing it finds every segment object and the
// manifest of the partition and nothing else.
func PartitionPrefix(tp TopicPartition) string {
	p := strconv.Itoa(int(tp.Partition))
	return keyHash(tp.TopicID.String()+"/"+p) + "/" + topicDir(tp.Topic, tp.TopicID) + "/" + p + "/"
}

// PartitionManifestKey is the key of the partition's manifest.
func PartitionManifestKey(tp TopicPartition) string {
	return PartitionPrefix(tp) + "manifest.json"
}

// TopicManifestKey is the key of the topic's manifest:
// "<hash>/<topic>-<topic id>/topic.json", where hash is keyHash of the
// topic id.
func TopicManifestKey(topic string, id TopicID) string {
	return keyHash(id.String()) + "/" + topicDir(topic, id) + "/topic.json"
}

// segmentSuffix ends every segment object's key.
const segmentSuffix = ".seg"

// SegmentKey is the key of a segment object: the partition prefix, then
// "<base offset, 20 digits>-<leader epoch>-<upload id, 16 hex digits>.seg",
// where the leader epoch is the uploading leader's. The tp must pass
// Validate.
func SegmentKey(tp TopicPartition, baseOffset int64, leaderEpoch int32, id UploadID) string {
	return fmt.Sprintf("%s%020d-%d-%s%s", PartitionPrefix(tp), baseOffset, leaderEpoch, id, segmentSuffix)
}

// SegmentKeyInfo is what a segment object's key says.
type SegmentKeyInfo struct {
	TopicPartition
	BaseOffset  int64
	LeaderEpoch int32
	UploadID    UploadID
}

// ParseSegmentKey parses a segment object's key. Only keys exactly as
// SegmentKey writes them parse: the hash must match, numbers have no
// sign, no leading zeros (but the base offset's padding) and no
// upper-case hex.
func ParseSegmentKey(key string) (SegmentKeyInfo, error) {
	var k SegmentKeyInfo
	parts := strings.Split(key, "/")
	if len(parts) != 4 || !strings.HasSuffix(parts[3], segmentSuffix) {
		return k, fmt.Errorf("%w: %q is not <hash>/<topic>-<id>/<partition>/<file>.seg", ErrInvalidKey, key)
	}
	var err error
	if k.TopicPartition, err = parseTopicPartition(parts[1], parts[2]); err != nil {
		return k, fmt.Errorf("%w (key %q)", err, key)
	}
	if k.BaseOffset, k.LeaderEpoch, k.UploadID, err = parseSegmentFile(parts[3]); err != nil {
		return k, fmt.Errorf("%w (key %q)", err, key)
	}
	if SegmentKey(k.TopicPartition, k.BaseOffset, k.LeaderEpoch, k.UploadID) != key {
		return k, fmt.Errorf("%w: %q is not in canonical form", ErrInvalidKey, key)
	}
	return k, nil
}

// parseTopicPartition parses the "<topic>-<topic id>" and "<partition>"
// segments of a key.
func parseTopicPartition(dir, partition string) (TopicPartition, error) {
	var tp TopicPartition
	cut := len(dir) - topicIDLen - 1
	if cut < 1 || dir[cut] != '-' {
		return tp, fmt.Errorf("%w: %q is not <topic>-<topic id>", ErrInvalidKey, dir)
	}
	id, err := ParseTopicID(dir[cut+1:])
	if err != nil {
		return tp, err
	}
	p, err := strconv.ParseInt(partition, 10, 32)
	if err != nil {
		return tp, fmt.Errorf("%w: partition %q", ErrInvalidKey, partition)
	}
	tp = TopicPartition{Topic: dir[:cut], TopicID: id, Partition: int32(p)}
	return tp, tp.Validate()
}

// parseSegmentFile parses "<base offset>-<leader epoch>-<upload id>.seg".
func parseSegmentFile(name string) (base int64, epoch int32, id UploadID, err error) {
	fields := strings.Split(strings.TrimSuffix(name, segmentSuffix), "-")
	if len(fields) != 3 || len(fields[0]) != 20 || len(fields[2]) != 16 {
		return 0, 0, 0, fmt.Errorf("%w: segment file name %q", ErrInvalidKey, name)
	}
	b, err1 := strconv.ParseInt(fields[0], 10, 64)
	e, err2 := strconv.ParseInt(fields[1], 10, 32)
	u, err3 := strconv.ParseUint(fields[2], 16, 64)
	if err1 != nil || err2 != nil || err3 != nil || b < 0 || e < 0 {
		return 0, 0, 0, fmt.Errorf("%w: segment file name %q", ErrInvalidKey, name)
	}
	return b, int32(e), UploadID(u), nil
}
