package controller

import (
	"fmt"
	"slices"
	"strings"
)

// MaxTopicNameLength is Kafka's limit on a topic name's length: a
// partition directory is named topic-partition, and file names are at most
// 255 bytes.
const MaxTopicNameLength = 249

// MaxNewPartitions bounds the partitions one CreateTopic or
// CreatePartitions adds, as Kafka bounds the records of one controller
// operation, so that a request cannot make the controller allocate without
// limit.
const MaxNewPartitions = 10000

// checkTopicName applies Kafka's rules for a topic name on its own.
func checkTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: topic name is illegal, it can't be empty", ErrInvalidTopic)
	case name == "." || name == "..":
		return fmt.Errorf(`%w: topic name cannot be "." or ".."`, ErrInvalidTopic)
	case len(name) > MaxTopicNameLength:
		return fmt.Errorf("%w: topic name is illegal, it can't be longer than %d characters, topic name: %s",
			ErrInvalidTopic, MaxTopicNameLength, name)
	}
	for i := 0; i < len(name); i++ {
		if !legalTopicChar(name[i]) {
			return fmt.Errorf("%w: topic name %q is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'",
				ErrInvalidTopic, name)
		}
	}
	return nil
}

func legalTopicChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// unifyCollisionChars maps a name to the form in which two names collide:
// metric names replace '.' with '_', so Kafka refuses a topic that differs
// from an existing one only there.
func unifyCollisionChars(name string) string {
	return strings.ReplaceAll(name, ".", "_")
}

// checkNewTopic checks that name can be created in img: legal, not taken,
// and not colliding with an existing name.
func checkNewTopic(img *Image, name string) error {
	if err := checkTopicName(name); err != nil {
		return err
	}
	if _, ok := img.Topics[name]; ok {
		return fmt.Errorf("%w: topic '%s' already exists", ErrTopicExists, name)
	}
	if other, ok := img.topicsByUnifiedName[unifyCollisionChars(name)]; ok {
		return fmt.Errorf("%w: topic '%s' collides with existing topic: %s", ErrInvalidTopic, name, other)
	}
	return nil
}

// checkPartitionCount checks the number of partitions a command adds.
func checkPartitionCount(n int) error {
	switch {
	case n < 1:
		return fmt.Errorf("%w: number of partitions must be larger than 0", ErrInvalidPartitions)
	case n > MaxNewPartitions:
		return fmt.Errorf("%w: %d partitions exceed the limit of %d partitions per request",
			ErrInvalidPartitions, n, MaxNewPartitions)
	}
	return nil
}

// checkAssignment checks replica lists for new partitions against the
// registered brokers: each non-empty, all of one length, no broker twice in
// a partition, every broker registered.
func checkAssignment(brokers map[int32]Broker, replicas [][]int32) error {
	if err := checkPartitionCount(len(replicas)); err != nil {
		return err
	}
	for p, rs := range replicas {
		switch {
		case len(rs) == 0:
			return fmt.Errorf("%w: partition %d has no replicas", ErrInvalidReplicaAssignment, p)
		case len(rs) != len(replicas[0]):
			return fmt.Errorf("%w: all partitions should have the same number of replicas", ErrInvalidReplicaAssignment)
		}
		for i, id := range rs {
			if _, ok := brokers[id]; !ok {
				return fmt.Errorf("%w: unknown broker %d in replica assignment of partition %d",
					ErrInvalidReplicaAssignment, id, p)
			}
			if slices.Contains(rs[:i], id) {
				return fmt.Errorf("%w: duplicate brokers not allowed in replica assignment: %s for partition id %d",
					ErrInvalidReplicaAssignment, joinIDs(rs), p)
			}
		}
	}
	return nil
}

// checkConfigNames refuses an empty config name; values are the config
// registry's to check.
func checkConfigNames(configs map[string]string) error {
	if _, ok := configs[""]; ok {
		return fmt.Errorf("%w: empty config name", ErrInvalidRequest)
	}
	return nil
}

// checkReplicationFactor checks a replication factor against the number of
// registered brokers.
func checkReplicationFactor(rf int, brokers int) error {
	switch {
	case rf < 1:
		return fmt.Errorf("%w: replication factor must be larger than 0", ErrInvalidReplicationFactor)
	case rf > brokers:
		return fmt.Errorf("%w: replication factor: %d larger than available brokers: %d",
			ErrInvalidReplicationFactor, rf, brokers)
	}
	return nil
}

// placeReplicas assigns replicas to partitions [first, first+n) of a topic,
// Kafka's rack-unaware way: partition p leads on brokers[(start+p) mod N],
// and its followers come after it at a distance that shifts by one every N
// partitions, so that followers spread too. brokers is sorted; rf is at
// most len(brokers). start and shift are the proposer's random choices.
func placeReplicas(brokers []int32, first, n int32, rf, start, shift int) [][]int32 {
	nb := len(brokers)
	out := make([][]int32, 0, n)
	for p := int(first); p < int(first)+int(n); p++ {
		lead := (start + p) % nb
		rs := make([]int32, 0, rf)
		rs = append(rs, brokers[lead])
		pshift := shift + p/nb
		for j := 0; j < rf-1; j++ {
			rs = append(rs, brokers[(lead+1+(pshift+j)%(nb-1))%nb])
		}
		out = append(out, rs)
	}
	return out
}

func joinIDs(ids []int32) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, id)
	}
	return b.String()
}
