package replication

import (
	"bytes"
	"testing"

	"github.com/strata-streaming/strata/replication/controller"
)

// The decoders of the partition's state files must refuse damaged input
// with an error, never panic, and read back what they wrote.

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(encodeSnapshot(0, producerState{}))
	f.Add(encodeSnapshot(77, producerState{3: {epoch: 1, lastTimestamp: 5, batches: []batchInfo{{1, 2, 3, 4, 5}, {3, 9, 10, 16, 7}}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		off, s, err := decodeSnapshot(b)
		if err != nil {
			return
		}
		if again := encodeSnapshot(off, s); !bytes.Equal(again, b) {
			t.Fatalf("a decoded snapshot encodes differently")
		}
	})
}

func FuzzUnmarshalEpochs(f *testing.F) {
	f.Add([]byte("0\n2\n0 0\n3 100\n"))
	f.Add([]byte("0\n0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := unmarshalEpochs(b)
		if err != nil {
			return
		}
		back, err := unmarshalEpochs(c.marshal())
		if err != nil || len(back.entries) != len(c.entries) {
			t.Fatalf("a decoded checkpoint does not read back: %v", err)
		}
	})
}

func FuzzUnmarshalMetadata(f *testing.F) {
	f.Add(marshalMetadata(controller.TopicID{1, 2, 3}))
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := unmarshalMetadata(b)
		if err != nil {
			return
		}
		if again, err := unmarshalMetadata(marshalMetadata(id)); err != nil || again != id {
			t.Fatalf("metadata does not read back: %v", err)
		}
	})
}
