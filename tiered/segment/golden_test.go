package segment

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestGoldenFiles pins the on-disk format of doc.go: a log written with a
// fixed clock and fixed batches must produce these files byte for byte.
func TestGoldenFiles(t *testing.T) {
	dir := t.TempDir()
	clk := newClock()
	cfg := testConfig(clk)
	cfg.SegmentBytes, cfg.IndexIntervalBytes = 400, 100
	l := openLog(t, dir, cfg)
	for i := 0; i < 6; i++ {
		mustAppend(t, l, values(2, 20, int64(1000+10*i)))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	names := []string{
		"00000000000000000000.index", "00000000000000000000.log", "00000000000000000000.timeindex",
		"00000000000000000006.index", "00000000000000000006.log", "00000000000000000006.timeindex",
		"checkpoint",
	}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Fatalf("files %v, want %v", got, names)
	}
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden := filepath.Join("testdata", "golden", name+".hex")
		if *update {
			os.MkdirAll(filepath.Dir(golden), 0o755)
			if err := os.WriteFile(golden, []byte(hex.Dump(data)), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run with -update to create)", err)
		}
		if !bytes.Equal([]byte(hex.Dump(data)), want) {
			t.Errorf("%s differs from %s:\n%s", name, golden, hex.Dump(data))
		}
	}
}

// TestCheckpointEncoding pins the checkpoint layout field by field.
func TestCheckpointEncoding(t *testing.T) {
	c := checkpoint{clean: true, logStartOffset: 0x0102, recoveryPoint: 0x0304, logEndOffset: 0x0506}
	got := hex.EncodeToString(c.marshal())
	want := "5354434b" + "0001" + "0001" + "0000000000000102" + "0000000000000304" + "0000000000000506"
	if got[:len(want)] != want {
		t.Fatalf("checkpoint\n got %s\nwant %s........", got, want)
	}
	back, err := unmarshalCheckpoint(c.marshal())
	if err != nil || back != c {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	bad := c.marshal()
	bad[10] ^= 1
	if _, err := unmarshalCheckpoint(bad); err == nil {
		t.Fatal("a flipped bit passed the CRC")
	}
}

// TestIndexEntryEncoding pins the index entry layouts.
func TestIndexEntryEncoding(t *testing.T) {
	x := newIndex(offsetEntrySize)
	x.appendOffset(0x01020304, 0x0a0b0c0d)
	if got := hex.EncodeToString(x.data); got != "010203040a0b0c0d" {
		t.Fatalf("offset entry %s", got)
	}
	y := newIndex(timeEntrySize)
	y.appendTime(0x0102030405060708, 0x0a0b0c0d)
	if got := hex.EncodeToString(y.data); got != "01020304050607080a0b0c0d" {
		t.Fatalf("time entry %s", got)
	}
}
