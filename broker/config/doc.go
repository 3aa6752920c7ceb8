// Package config is the registry of the Kafka configs Strata honours: every
// topic config (retention.ms, segment.bytes, cleanup.policy, ...) and every
// broker config `strata serve` accepts (node.id, num.partitions,
// log.retention.hours, ...), each with Kafka's name, type, default, valid
// values and documentation. Names are Kafka's so that existing tools,
// clients and Terraform providers work unchanged.
//
// # Validation
//
// ValidateTopic and ValidateBroker check one name and value: an unknown name
// is ErrUnknownConfig, a value of the wrong type or outside the valid values
// is ErrInvalidConfig, and the message names the key, the value and the
// rule. ValidateDynamicBroker further refuses the broker configs that only
// take effect at start-up (ErrReadOnly).
//
// # Resolution
//
// A topic config's effective value comes from the first of these that sets
// it, which is also its DescribeConfigs source:
//
//  1. the topic's own override (DYNAMIC_TOPIC_CONFIG);
//  2. a dynamic cluster-wide broker config (DYNAMIC_DEFAULT_BROKER_CONFIG),
//     altered at run time on the broker resource "";
//  3. a static broker config (STATIC_BROKER_CONFIG), from the broker's
//     configuration at start-up;
//  4. Kafka's default (DEFAULT_CONFIG).
//
// Steps 2 to 4 go through the topic config's broker synonyms in Kafka's
// order of precedence: retention.ms is set by log.retention.ms, else
// log.retention.minutes, else log.retention.hours (converted to
// milliseconds); segment.ms by log.roll.ms, else log.roll.hours; and so on.
// Every setting found is a synonym in DescribeConfigs, highest precedence
// first. Strata has no per-broker dynamic configs (DYNAMIC_BROKER_CONFIG):
// dynamic broker configs are cluster-wide.
//
// Resolve a topic's configs with ResolveTopic and a broker's with
// ResolveBroker; the Resolved result has typed getters and builds the
// partition log's configuration (LogConfig) and retention policy
// (RetentionPolicy).
package config
