package controller

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenImage builds the image the golden snapshot holds.
func goldenImage(t *testing.T) *Image {
	return applyAll(t, newImage(), goldenCommands()...)
}

// goldenCommands is one command of every type.
func goldenCommands() []command {
	return []command{
		&initCluster{ClusterID: "MkU3OEVBNTcwNTJENDM2Qg"},
		&registerBroker{ID: 2, Host: "b2.example", Port: 9092, Rack: "r2"},
		&registerBroker{ID: 1, Host: "b1.example", Port: 9092},
		&createTopic{Name: "orders", ID: idOf(1), Replicas: [][]int32{{1, 2}, {2, 1}},
			Configs: map[string]string{"cleanup.policy": "compact", "retention.ms": "-1"}},
		&createTopic{Name: "__consumer_offsets", ID: idOf(2), Replicas: [][]int32{{1}}, Internal: true},
		&createTopic{Name: "gone", ID: idOf(3), Replicas: [][]int32{{2}}},
		&deleteTopic{Name: "gone", ID: idOf(3)},
		&createPartitions{Name: "orders", ID: idOf(1), Count: 3, Replicas: [][]int32{{1, 2}}},
		&setTopicConfigs{Name: "__consumer_offsets", Configs: map[string]string{"segment.bytes": "104857600"}},
		&setBrokerConfigs{Configs: map[string]string{"log.retention.ms": "604800000"}},
		&allocateProducerIDs{Count: 1000},
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed; the format is pinned (bump its version, or run with -update if intended):\ngot  %s\nwant %s",
			name, got, want)
	}
}

func TestCommandGolden(t *testing.T) {
	var buf bytes.Buffer
	for _, cmd := range goldenCommands() {
		buf.Write(entry(t, cmd))
		buf.WriteByte('\n')
	}
	golden(t, "commands_v1.golden", buf.Bytes())

	// Every golden line decodes back into the command it came from.
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for i, cmd := range goldenCommands() {
		got, err := decodeCommand([]byte(lines[i]))
		if err != nil || !reflect.DeepEqual(got, cmd) {
			t.Errorf("line %d decodes to %#v, %v; want %#v", i, got, err, cmd)
		}
	}
}

func TestSnapshotGolden(t *testing.T) {
	img := goldenImage(t)
	golden(t, "snapshot_v1.golden", []byte(encoded(t, img)))

	want, err := os.ReadFile(filepath.Join("testdata", "snapshot_v1.golden"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := decodeSnapshot(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if got := encoded(t, back); got != string(want) {
		t.Errorf("decode then encode changed the snapshot:\n%s\n%s", got, want)
	}
	img.ControllerID = -1
	if !reflect.DeepEqual(back, img) {
		t.Errorf("restored image differs:\n%#v\n%#v", back, img)
	}
}

func TestFSMSnapshotRestore(t *testing.T) {
	src := newFSM(slog.New(slog.DiscardHandler))
	src.publish(goldenImage(t))
	snap, err := src.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil || !sink.closed {
		t.Fatalf("persist: %v, closed %v", err, sink.closed)
	}

	dst := newFSM(slog.New(slog.DiscardHandler))
	dst.setLeader(7)
	changed := dst.changed()
	if err := dst.Restore(sink.reader()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	default:
		t.Error("restore did not publish")
	}
	if encoded(t, dst.current()) != encoded(t, src.current()) {
		t.Errorf("restored image differs")
	}
	if got := dst.current().ControllerID; got != 7 {
		t.Errorf("restored image has ControllerID %d, want the known leader 7", got)
	}
	if _, ok := dst.current().TopicByID(idOf(1)); !ok {
		t.Error("restored image is not indexed")
	}
}

func TestDecodeSnapshotRefusesDamage(t *testing.T) {
	good := encoded(t, goldenImage(t))
	tests := []struct {
		name, from, to string
	}{
		{"newer version", `"v":1`, `"v":2`},
		{"unknown field", `"v":1`, `"v":1,"x":0`},
		{"truncated", good, good[:len(good)/2]},
		{"duplicate topic", `"name":"orders"`, `"name":"__consumer_offsets"`},
		{"shared id", `"id":"AQAAAAAAQACAAAAAAAAAAA"`, `"id":"AgAAAAAAQACAAAAAAAAAAA"`},
		{"zero id", `"id":"AQAAAAAAQACAAAAAAAAAAA"`, `"id":"AAAAAAAAAAAAAAAAAAAAAA"`},
		{"partition out of order", `"index":1`, `"index":5`},
		{"duplicate broker", `"id":2,`, `"id":1,`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.from) {
				t.Fatalf("golden snapshot lacks %q", tc.from)
			}
			damaged := strings.Replace(good, tc.from, tc.to, 1)
			if _, err := decodeSnapshot(strings.NewReader(damaged)); !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("err = %v, want ErrCorruptSnapshot", err)
			}
		})
	}
}

// memSink is a raft.SnapshotSink in memory.
type memSink struct {
	bytes.Buffer
	closed, cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Close() error  { s.closed = true; return nil }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }

func (s *memSink) reader() *readCloser { return &readCloser{Reader: bytes.NewReader(s.Bytes())} }

type readCloser struct {
	*bytes.Reader
	closed bool
}

func (r *readCloser) Close() error { r.closed = true; return nil }
