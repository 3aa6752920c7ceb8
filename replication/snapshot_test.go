package replication

import (
	"encoding/hex"
	"reflect"
	"testing"
)

// goldenSnapshot pins the snapshot format documented in doc.go: offset
// 300, producer 7 at epoch 2 with one batch.
const goldenSnapshot = "53545053" + "0001" + "0000" + "000000000000012c" + "00000001" +
	"0000000000000007" + "0002" + "00000000000003e8" + "01" +
	"0000000a" + "0000000e" + "00000000000000c8" + "00000000000000cc" + "00000000000003e8"

func TestSnapshotGolden(t *testing.T) {
	state := producerState{7: {epoch: 2, lastTimestamp: 1000, batches: []batchInfo{
		{firstSeq: 10, lastSeq: 14, firstOffset: 200, lastOffset: 204, timestamp: 1000},
	}}}
	b := encodeSnapshot(300, state)
	if got := hex.EncodeToString(b[:len(b)-4]); got != goldenSnapshot {
		t.Fatalf("snapshot bytes\n got %s\nwant %s", got, goldenSnapshot)
	}
	off, back, err := decodeSnapshot(b)
	if err != nil || off != 300 || !reflect.DeepEqual(back, state) {
		t.Fatalf("decode: %d %+v %v", off, back, err)
	}
}

func TestSnapshotRoundTripAndDamage(t *testing.T) {
	state := producerState{}
	for id := range int64(20) {
		e := &producerEntry{epoch: int16(id % 3), lastTimestamp: id * 1000}
		for s := range int32(id%5 + 1) {
			e.batches = append(e.batches, batchInfo{firstSeq: s * 2, lastSeq: s*2 + 1, firstOffset: int64(s), lastOffset: int64(s) + 1, timestamp: 9})
		}
		state[id*1000-5] = e
	}
	b := encodeSnapshot(1<<40, state)
	off, back, err := decodeSnapshot(b)
	if err != nil || off != 1<<40 || !reflect.DeepEqual(back, state) {
		t.Fatalf("round trip: %v", err)
	}
	empty := encodeSnapshot(0, producerState{})
	if _, s, err := decodeSnapshot(empty); err != nil || len(s) != 0 {
		t.Fatalf("empty snapshot: %v", err)
	}
	for i := range b {
		d := append([]byte(nil), b...)
		d[i] ^= 0x40
		if _, _, err := decodeSnapshot(d); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	for _, n := range []int{0, 3, 23, len(b) - 1} {
		if _, _, err := decodeSnapshot(b[:n]); err == nil {
			t.Fatalf("a snapshot cut to %d bytes was accepted", n)
		}
	}
}
