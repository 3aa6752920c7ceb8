package group

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/tiered/batch"
)

// Key and value versions written to __consumer_offsets, as Kafka writes
// them (see doc.go).
const (
	offsetKeyVersion     = 1 // OffsetCommitKey; 0 reads the same
	groupKeyVersion      = 2 // GroupMetadataKey
	offsetValueVersion   = 3 // OffsetCommitValue with a leader epoch
	offsetValueExpireVer = 1 // OffsetCommitValue with an expire timestamp
	groupValueVersion    = 3 // GroupMetadataValue with instance ids
	minRecordKeyBytes    = 2 // a key's version
)

// errRecord reports a record of __consumer_offsets that does not decode.
var errRecord = errors.New("group: malformed __consumer_offsets record")

// topicPartition names one partition of a topic.
type topicPartition struct {
	topic     string
	partition int32
}

// committed is one committed offset.
type committed struct {
	offset      int64
	leaderEpoch int32  // -1 when unknown
	metadata    string // "" when none
	commitTime  int64  // milliseconds since the epoch
	expireTime  int64  // milliseconds since the epoch; -1 when the group's retention applies
}

// offsetRecord is the record of a commit, or with a nil value its
// tombstone.
func offsetRecord(group string, tp topicPartition, c *committed) batch.Record {
	k := kmsg.OffsetCommitKey{Version: offsetKeyVersion, Group: group, Topic: tp.topic, Partition: tp.partition}
	rec := batch.Record{Key: k.AppendTo(nil)}
	if c == nil {
		return rec
	}
	v := kmsg.NewOffsetCommitValue()
	v.Version = offsetValueVersion
	v.Offset, v.LeaderEpoch, v.Metadata, v.CommitTimestamp = c.offset, c.leaderEpoch, c.metadata, c.commitTime
	if c.expireTime >= 0 {
		v.Version, v.ExpireTimestamp = offsetValueExpireVer, c.expireTime
	}
	rec.Value = v.AppendTo(nil)
	return rec
}

// groupTombstone is the record that deletes a group's metadata.
func groupTombstone(group string) batch.Record {
	k := kmsg.GroupMetadataKey{Version: groupKeyVersion, Group: group}
	return batch.Record{Key: k.AppendTo(nil)}
}

// groupRecord is the record of a group's metadata: its generation,
// protocol, leader and members, each with its subscription (the metadata
// of the selected protocol) and the assignment assign gives it.
func (g *group) groupRecord(assign func(*member) []byte) batch.Record {
	v := kmsg.NewGroupMetadataValue()
	v.Version = groupValueVersion
	v.ProtocolType = g.mu.protocolType
	v.Generation = g.mu.generation
	if g.mu.protocol != "" {
		v.Protocol = kmsg.StringPtr(g.mu.protocol)
	}
	if g.mu.leader != "" {
		v.Leader = kmsg.StringPtr(g.mu.leader)
	}
	v.CurrentStateTimestamp = g.mu.stateTime.UnixMilli()
	for _, m := range g.sortedMembers() {
		vm := kmsg.NewGroupMetadataValueMember()
		vm.MemberID, vm.InstanceID = m.id, m.instanceID
		vm.ClientID, vm.ClientHost = m.clientID, m.clientHost
		vm.RebalanceTimeoutMillis = int32(m.rebalanceTimeout.Milliseconds())
		vm.SessionTimeoutMillis = int32(m.sessionTimeout.Milliseconds())
		vm.Subscription = m.metadata(g.mu.protocol)
		vm.Assignment = assign(m)
		v.Members = append(v.Members, vm)
	}
	k := kmsg.GroupMetadataKey{Version: groupKeyVersion, Group: g.id}
	return batch.Record{Key: k.AppendTo(nil), Value: v.AppendTo(nil)}
}

// recordKind tells the records of __consumer_offsets apart by their key
// version.
type recordKind int8

const (
	kindUnknown recordKind = iota
	kindOffset
	kindGroup
)

// kindOf reads the key version at the start of key.
func kindOf(key []byte) (recordKind, error) {
	if len(key) < minRecordKeyBytes {
		return kindUnknown, fmt.Errorf("%w: %d-byte key", errRecord, len(key))
	}
	switch v := int16(binary.BigEndian.Uint16(key)); v {
	case 0, 1:
		return kindOffset, nil
	case 2:
		return kindGroup, nil
	default:
		return kindUnknown, nil
	}
}

// decodeOffset decodes an offset commit record; c is nil for a tombstone.
func decodeOffset(key, value []byte) (group string, tp topicPartition, c *committed, err error) {
	var k kmsg.OffsetCommitKey
	if err := k.ReadFrom(key); err != nil {
		return "", tp, nil, fmt.Errorf("%w: offset key: %w", errRecord, err)
	}
	tp = topicPartition{k.Topic, k.Partition}
	if value == nil {
		return k.Group, tp, nil, nil
	}
	var v kmsg.OffsetCommitValue
	if err := v.ReadFrom(value); err != nil {
		return "", tp, nil, fmt.Errorf("%w: offset value: %w", errRecord, err)
	}
	c = &committed{offset: v.Offset, leaderEpoch: -1, metadata: v.Metadata, commitTime: v.CommitTimestamp, expireTime: -1}
	if v.Version >= 3 {
		c.leaderEpoch = v.LeaderEpoch
	}
	if v.Version == 1 {
		c.expireTime = v.ExpireTimestamp
	}
	return k.Group, tp, c, nil
}

// decodeGroup decodes a group metadata record; v is nil for a tombstone.
func decodeGroup(key, value []byte) (string, *kmsg.GroupMetadataValue, error) {
	var k kmsg.GroupMetadataKey
	if err := k.ReadFrom(key); err != nil {
		return "", nil, fmt.Errorf("%w: group key: %w", errRecord, err)
	}
	if value == nil {
		return k.Group, nil, nil
	}
	v := new(kmsg.GroupMetadataValue)
	if err := v.ReadFrom(value); err != nil {
		return "", nil, fmt.Errorf("%w: group value: %w", errRecord, err)
	}
	return k.Group, v, nil
}
