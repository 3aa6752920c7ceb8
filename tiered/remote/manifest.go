package remote

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"
)

// ManifestVersion is the manifest format version this package writes and
// the only one it reads.
const ManifestVersion = 1

// The format names that open a manifest's envelope.
const (
	topicManifestFormat     = "strata-topic-manifest"
	partitionManifestFormat = "strata-partition-manifest"
)

// TopicManifest describes a topic, so that it can be recreated from the
// bucket alone.
type TopicManifest struct {
	Topic      string            `json:"topic"`
	TopicID    TopicID           `json:"topic_id"`
	Partitions int32             `json:"partitions"`
	Configs    map[string]string `json:"configs"` // the topic's config overrides
	Created    time.Time         `json:"created"`
}

// Validate checks the manifest's fields; errors match ErrInvalidManifest.
func (m *TopicManifest) Validate() error {
	if err := validateTopic(m.Topic, m.TopicID); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	switch {
	case m.Partitions < 1:
		return fmt.Errorf("%w: topic %q has %d partitions", ErrInvalidManifest, m.Topic, m.Partitions)
	case m.Created.IsZero():
		return fmt.Errorf("%w: topic %q has no creation time", ErrInvalidManifest, m.Topic)
	}
	if _, ok := m.Configs[""]; ok {
		return fmt.Errorf("%w: topic %q has a config with an empty name", ErrInvalidManifest, m.Topic)
	}
	return nil
}

// PartitionManifest lists a partition's remote segments. It is the only
// thing that makes a segment object part of the partition.
type PartitionManifest struct {
	Topic     string  `json:"topic"`
	TopicID   TopicID `json:"topic_id"`
	Partition int32   `json:"partition"`
	// Version grows by one with every change the helpers make; a reader
	// never goes back to a lower version than one it has seen.
	Version int64 `json:"version"`
	// LogStartOffset is the partition's log start offset across tiers:
	// no offset below it may be read, even if a segment still holds it.
	LogStartOffset int64 `json:"log_start_offset"`
	// Segments are in offset order and never overlap.
	Segments []Segment `json:"segments"`
}

// Segment is a partition manifest's entry for one segment object.
type Segment struct {
	BaseOffset       int64     `json:"base_offset"`
	LastOffset       int64     `json:"last_offset"`
	NextOffset       int64     `json:"next_offset"`
	FirstLeaderEpoch int32     `json:"first_leader_epoch"`
	LastLeaderEpoch  int32     `json:"last_leader_epoch"`
	MinTimestamp     int64     `json:"min_timestamp"`
	MaxTimestamp     int64     `json:"max_timestamp"`
	BatchBytes       int64     `json:"batch_bytes"`   // bytes of the batches, as in the hot tier
	ObjectSize       int64     `json:"object_size"`   // bytes of the object
	ObjectCRC32C     CRC32C    `json:"object_crc32c"` // of the whole object
	Key              string    `json:"key"`
	UploadTime       time.Time `json:"upload_time"`
}

// NewPartitionManifest returns the empty manifest of a partition: version
// 0, log start offset 0, no segments.
func NewPartitionManifest(tp TopicPartition) PartitionManifest {
	return PartitionManifest{Topic: tp.Topic, TopicID: tp.TopicID, Partition: tp.Partition, Segments: []Segment{}}
}

// TopicPartition is the partition the manifest describes.
func (m *PartitionManifest) TopicPartition() TopicPartition {
	return TopicPartition{Topic: m.Topic, TopicID: m.TopicID, Partition: m.Partition}
}

// EndOffset is the offset after the last remote segment, or the log start
// offset when there is none: where the next segment should start.
func (m *PartitionManifest) EndOffset() int64 {
	if len(m.Segments) == 0 {
		return m.LogStartOffset
	}
	return m.Segments[len(m.Segments)-1].NextOffset
}

// envelope is the outer JSON object of both manifests. CRC32C covers the
// exact bytes of Manifest as they appear in the encoding.
type envelope struct {
	Format        string          `json:"format"`
	FormatVersion int             `json:"format_version"`
	CRC32C        CRC32C          `json:"crc32c"`
	Manifest      json.RawMessage `json:"manifest"`
}

// EncodeTopicManifest validates m and encodes it.
func EncodeTopicManifest(m TopicManifest) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	m.Created = m.Created.UTC()
	if m.Configs == nil {
		m.Configs = map[string]string{}
	}
	return encodeEnvelope(topicManifestFormat, m)
}

// DecodeTopicManifest decodes and validates a topic manifest.
func DecodeTopicManifest(b []byte) (TopicManifest, error) {
	var m TopicManifest
	if err := decodeEnvelope(b, topicManifestFormat, &m); err != nil {
		return TopicManifest{}, err
	}
	if err := m.Validate(); err != nil {
		return TopicManifest{}, err
	}
	return m, nil
}

// EncodePartitionManifest validates m and encodes it.
func EncodePartitionManifest(m PartitionManifest) ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	segs := make([]Segment, len(m.Segments))
	for i, s := range m.Segments {
		s.UploadTime = s.UploadTime.UTC()
		segs[i] = s
	}
	m.Segments = segs
	return encodeEnvelope(partitionManifestFormat, m)
}

// DecodePartitionManifest decodes and validates a partition manifest.
func DecodePartitionManifest(b []byte) (PartitionManifest, error) {
	var m PartitionManifest
	if err := decodeEnvelope(b, partitionManifestFormat, &m); err != nil {
		return PartitionManifest{}, err
	}
	if m.Segments == nil {
		m.Segments = []Segment{}
	}
	if err := m.Validate(); err != nil {
		return PartitionManifest{}, err
	}
	return m, nil
}

// encodeEnvelope encodes v as the manifest of an envelope, followed by a
// newline.
func encodeEnvelope(format string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", format, err)
	}
	env := envelope{Format: format, FormatVersion: ManifestVersion, CRC32C: CRC32C(crc32c(body)), Manifest: body}
	out, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", format, err)
	}
	return append(out, '\n'), nil
}

func crcText(crc uint32) string { return fmt.Sprintf("%08x", crc) }

// CRC32C is a CRC-32C checksum, written in manifests as 8 lower-case hex
// digits.
type CRC32C uint32

func (c CRC32C) String() string { return crcText(uint32(c)) }

// MarshalText implements encoding.TextMarshaler.
func (c CRC32C) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *CRC32C) UnmarshalText(b []byte) error {
	if len(b) != 8 {
		return fmt.Errorf("CRC-32C %q is not 8 hex digits", b)
	}
	v, err := strconv.ParseUint(string(b), 16, 32)
	if err != nil || crcText(uint32(v)) != string(b) {
		return fmt.Errorf("CRC-32C %q is not 8 lower-case hex digits", b)
	}
	*c = CRC32C(v)
	return nil
}

// decodeEnvelope checks the envelope of a manifest of the given format and
// decodes its manifest into v, strictly: no unknown fields, nothing after
// the envelope but white space.
func decodeEnvelope(b []byte, format string, v any) error {
	var env envelope
	if err := strictJSON(b, &env); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	switch {
	case env.Format != format:
		return fmt.Errorf("%w: format %q, want %q", ErrInvalidManifest, env.Format, format)
	case env.FormatVersion != ManifestVersion:
		return fmt.Errorf("%w: manifest format version %d, this build reads %d", ErrUnsupportedVersion, env.FormatVersion, ManifestVersion)
	case env.CRC32C != CRC32C(crc32c(env.Manifest)):
		return fmt.Errorf("%w: manifest CRC-32C %s, the envelope says %s", ErrInvalidManifest, CRC32C(crc32c(env.Manifest)), env.CRC32C)
	}
	if err := strictJSON(env.Manifest, v); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidManifest, err)
	}
	return nil
}

// strictJSON decodes b, which must hold exactly one JSON value with only
// known fields, into v.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON value at byte %s", strconv.FormatInt(dec.InputOffset(), 10))
	}
	return nil
}
