package controller

import (
	"bytes"
	"testing"
)

// FuzzApply feeds arbitrary log entries to the state machine: it must
// refuse what it cannot use without panicking, and every image it accepts
// must survive a snapshot round trip (the snapshot's consistency checks
// hold for it).
func FuzzApply(f *testing.F) {
	for _, cmd := range goldenCommands() {
		f.Add(entry(f, cmd))
	}
	f.Add([]byte(`{"type":"create_partitions","v":1,"data":{"name":"orders","count":2147483647,"replicas":[]}}`))
	f.Add([]byte(`{"type":"create_topic","v":1,"data":{"name":"x","id":"AQAAAAAAQACAAAAAAAAAAB","replicas":[[1,-1]]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		base := applyAll(t, newImage(), goldenCommands()...)
		next, _, err := applyCommand(base, base.Offset+1, data)
		if err != nil {
			if next != base {
				t.Fatal("a refused entry returned a new image")
			}
			return
		}
		var buf bytes.Buffer
		if err := encodeSnapshot(&buf, next); err != nil {
			t.Fatal(err)
		}
		back, err := decodeSnapshot(&buf)
		if err != nil {
			t.Fatalf("accepted entry %q made an inconsistent image: %v", data, err)
		}
		if encoded(t, back) != encoded(t, next) {
			t.Fatalf("accepted entry %q: snapshot round trip differs", data)
		}
	})
}
