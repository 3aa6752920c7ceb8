package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesWhole(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state")
	for _, data := range []string{"first version", "2"} {
		if err := Write(path, []byte(data)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != data {
			t.Fatalf("read back %q, %v; want %q", got, err, data)
		}
		if _, err := os.Stat(path + TempSuffix); !os.IsNotExist(err) {
			t.Fatalf("staging file left behind: %v", err)
		}
	}
}

func TestWriteFailsCleanly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no-such-dir", "state")
	if err := Write(path, []byte("x")); err == nil {
		t.Fatal("Write into a missing directory succeeded")
	}
	if err := SyncDir(filepath.Dir(path)); err == nil {
		t.Fatal("SyncDir of a missing directory succeeded")
	}
}
