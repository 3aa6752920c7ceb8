package config

import (
	"slices"

	"github.com/strata-streaming/strata/retention"
	"github.com/strata-streaming/strata/tiered"
	"github.com/strata-streaming/strata/tiered/segment"
)

// The builders below turn resolved topic configs (ResolveTopic) into the
// runtime configuration of the packages that honour them. They panic on
// resolved broker configs.

// SegmentConfig returns the hot tier's configuration: segment.bytes,
// segment.ms, segment.jitter.ms, index.interval.bytes, segment.index.bytes,
// flush.messages and flush.ms.
func (r *Resolved) SegmentConfig() segment.Config {
	c := segment.DefaultConfig()
	c.SegmentBytes = r.Int64("segment.bytes")
	c.SegmentMs = r.Int64("segment.ms")
	c.SegmentJitterMs = r.Int64("segment.jitter.ms")
	c.IndexIntervalBytes = r.Int64("index.interval.bytes")
	c.MaxIndexBytes = r.Int64("segment.index.bytes")
	c.FlushMessages = r.Int64("flush.messages")
	c.FlushMs = r.Int64("flush.ms")
	return c
}

// LogConfig returns the partition log's configuration: tiered's defaults
// with the hot tier configured by SegmentConfig.
func (r *Resolved) LogConfig() tiered.Config {
	c := tiered.DefaultConfig()
	c.Segment = r.SegmentConfig()
	return c
}

// RetentionPolicy returns the retention limits of the whole log:
// retention.ms and retention.bytes, which apply only when cleanup.policy
// includes delete; a compact-only topic (such as __consumer_offsets) is
// never trimmed by time or size, as in Kafka.
func (r *Resolved) RetentionPolicy() retention.Policy {
	if !slices.Contains(r.List("cleanup.policy"), "delete") {
		return retention.Policy{RetentionMs: -1, RetentionBytes: -1}
	}
	return retention.Policy{
		RetentionMs:    r.Int64("retention.ms"),
		RetentionBytes: r.Int64("retention.bytes"),
	}
}

// LocalRetentionPolicy returns the retention limits of the local copy of a
// tiered log: local.retention.ms and local.retention.bytes, where -2 means
// the whole log's limit, as in Kafka.
func (r *Resolved) LocalRetentionPolicy() retention.Policy {
	p := r.RetentionPolicy()
	if ms := r.Int64("local.retention.ms"); ms != -2 {
		p.RetentionMs = ms
	}
	if b := r.Int64("local.retention.bytes"); b != -2 {
		p.RetentionBytes = b
	}
	return p
}
