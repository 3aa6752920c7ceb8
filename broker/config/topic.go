package config

import "github.com/twmb/franz-go/pkg/kmsg"

// Short names for the types, for the tables below.
const (
	tBool   = kmsg.ConfigTypeBoolean
	tString = kmsg.ConfigTypeString
	tInt    = kmsg.ConfigTypeInt
	tShort  = kmsg.ConfigTypeShort
	tLong   = kmsg.ConfigTypeLong
	tDouble = kmsg.ConfigTypeDouble
	tList   = kmsg.ConfigTypeList
)

// Defaults shared by several configs.
const (
	maxLong = "9223372036854775807" // Kafka's Long.MAX_VALUE: never
	weekMs  = "604800000"
)

// Time units, as scales into milliseconds.
const (
	minuteMs = 60 * 1000
	hourMs   = 60 * minuteMs
)

// topicDefs are the topic configs Strata honours, with Kafka's defaults and
// valid values. Two minimums are Strata's: segment.index.bytes must leave
// room for four time index entries, and retention.bytes, which Kafka leaves
// unchecked, must be -1 or more.
var topicDefs = []Def{
	{Name: "cleanup.policy", Type: tList, Default: "delete", rule: listOf{"compact", "delete"},
		Synonyms: []string{"log.cleanup.policy"},
		Doc:      "How old segments are discarded: delete removes them past the retention limits; compact keeps the latest record of every key. Both may be listed."},
	{Name: "compression.type", Type: tString, Default: "producer",
		rule:     oneOf{"uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"},
		Synonyms: []string{"compression.type"},
		Doc:      "The compression of stored batches; producer keeps the codec the producer used."},
	{Name: "delete.retention.ms", Type: tLong, Default: "86400000", rule: atLeast(0),
		Synonyms: []string{"log.cleaner.delete.retention.ms"},
		Doc:      "How long a compacted topic keeps delete markers (tombstones), so that consumers reading from the start see the deletion."},
	{Name: "file.delete.delay.ms", Type: tLong, Default: "60000", rule: atLeast(0),
		Synonyms: []string{"log.segment.delete.delay.ms"},
		Doc:      "How long a segment removed from the log waits before its files are deleted."},
	{Name: "flush.messages", Type: tLong, Default: maxLong, rule: atLeast(1),
		Synonyms: []string{"log.flush.interval.messages"},
		Doc:      "Force an fsync after this many appended records. Durability normally comes from replication and acks=all, which fsyncs before acknowledging."},
	{Name: "flush.ms", Type: tLong, Default: maxLong, rule: atLeast(0),
		Synonyms: []string{"log.flush.interval.ms"},
		Doc:      "Force an fsync when the oldest unsynced append is this old."},
	{Name: "index.interval.bytes", Type: tInt, Default: "4096", rule: atLeast(0),
		Synonyms: []string{"log.index.interval.bytes"},
		Doc:      "The log bytes between two offset index entries: smaller makes reads find their position faster and the index larger."},
	{Name: "local.retention.bytes", Type: tLong, Default: "-2", rule: atLeast(-2),
		Synonyms: []string{"log.local.retention.bytes"},
		Doc:      "With tiered storage, the most bytes a partition keeps on local disk once its segments are uploaded; -2 means retention.bytes."},
	{Name: "local.retention.ms", Type: tLong, Default: "-2", rule: atLeast(-2),
		Synonyms: []string{"log.local.retention.ms"},
		Doc:      "With tiered storage, how long uploaded segments stay on local disk; -2 means retention.ms."},
	{Name: "max.compaction.lag.ms", Type: tLong, Default: maxLong, rule: atLeast(1),
		Synonyms: []string{"log.cleaner.max.compaction.lag.ms"},
		Doc:      "The longest a record may stay uncompacted in a compacted topic."},
	{Name: "max.message.bytes", Type: tInt, Default: "1048588", rule: atLeast(0),
		Synonyms: []string{"message.max.bytes"},
		Doc:      "The largest record batch the topic accepts, after compression."},
	{Name: "message.timestamp.after.max.ms", Type: tLong, Default: "3600000", rule: atLeast(0),
		Synonyms: []string{"log.message.timestamp.after.max.ms"},
		Doc:      "How far ahead of the broker's clock a CreateTime timestamp may be."},
	{Name: "message.timestamp.before.max.ms", Type: tLong, Default: maxLong, rule: atLeast(0),
		Synonyms: []string{"log.message.timestamp.before.max.ms"},
		Doc:      "How far behind the broker's clock a CreateTime timestamp may be."},
	{Name: "message.timestamp.type", Type: tString, Default: "CreateTime", rule: oneOf{"CreateTime", "LogAppendTime"},
		Synonyms: []string{"log.message.timestamp.type"},
		Doc:      "Whether record timestamps are the producer's (CreateTime) or the broker's at append (LogAppendTime)."},
	{Name: "min.cleanable.dirty.ratio", Type: tDouble, Default: "0.5", rule: floatRange{0, 1},
		Synonyms: []string{"log.cleaner.min.cleanable.ratio"},
		Doc:      "How much of a compacted log must be uncompacted before compaction runs."},
	{Name: "min.compaction.lag.ms", Type: tLong, Default: "0", rule: atLeast(0),
		Synonyms: []string{"log.cleaner.min.compaction.lag.ms"},
		Doc:      "The shortest time a record stays uncompacted in a compacted topic."},
	{Name: "min.insync.replicas", Type: tInt, Default: "1", rule: atLeast(1),
		Synonyms: []string{"min.insync.replicas"},
		Doc:      "The fewest in-sync replicas that must hold an acks=all write before it is acknowledged."},
	{Name: "strata.remote.recovery", Type: tBool, Default: "false",
		Doc: "Set when creating a topic to restore it from the object store: the topic takes the id, partitions and configs of the newest topic of its name in the bucket, and consumers can replay it from its remote log start offset."},
	{Name: "remote.storage.enable", Type: tBool, Default: "true",
		Synonyms: []string{"log.remote.storage.enable"},
		Doc:      "Whether sealed segments are uploaded to object storage (tiered storage); compacted topics stay local."},
	{Name: "retention.bytes", Type: tLong, Default: "-1", rule: atLeast(-1),
		Synonyms: []string{"log.retention.bytes"},
		Doc:      "The most bytes a partition keeps before its oldest segments are deleted; -1 for no limit."},
	{Name: "retention.ms", Type: tLong, Default: weekMs, rule: atLeast(-1),
		Synonyms: []string{"log.retention.ms", "log.retention.minutes", "log.retention.hours"},
		Doc:      "How long a partition keeps a segment after its newest record; -1 for no limit."},
	{Name: "segment.bytes", Type: tInt, Default: "1073741824", rule: atLeast(14),
		Synonyms: []string{"log.segment.bytes"},
		Doc:      "The size at which the active segment rolls."},
	{Name: "segment.index.bytes", Type: tInt, Default: "10485760", rule: atLeast(48),
		Synonyms: []string{"log.index.size.max.bytes"},
		Doc:      "The size of a segment's offset and time indexes; the segment rolls when one is full."},
	{Name: "segment.jitter.ms", Type: tLong, Default: "0", rule: atLeast(0),
		Synonyms: []string{"log.roll.jitter.ms", "log.roll.jitter.hours"},
		Doc:      "The most a segment's time-based roll is brought forward at random, so that partitions do not all roll at once."},
	{Name: "segment.ms", Type: tLong, Default: weekMs, rule: atLeast(1),
		Synonyms: []string{"log.roll.ms", "log.roll.hours"},
		Doc:      "The age at which the active segment rolls, so that retention and compaction can act on it."},
	{Name: "unclean.leader.election.enable", Type: tBool, Default: "false",
		Synonyms: []string{"unclean.leader.election.enable"},
		Doc:      "Whether a replica outside the ISR may become leader when no in-sync replica is left, at the risk of losing acknowledged writes."},
}
