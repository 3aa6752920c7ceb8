package broker

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "strata.yaml")
	os.WriteFile(path, []byte("num.partitions: 3\nauto.create.topics.enable: false\nlog.retention.ms: 1000\nlog.dirs: /var/lib/strata\n"), 0o644)
	got, err := LoadSettings(path, []string{"num.partitions=6", " message.max.bytes = 2000 "})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"num.partitions": "6", "auto.create.topics.enable": "false",
		"log.retention.ms": "1000", "log.dirs": "/var/lib/strata", "message.max.bytes": "2000"}
	if len(got) != len(want) {
		t.Fatalf("settings %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestLoadSettingsErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o644)
		return p
	}
	for _, tc := range []struct {
		name      string
		path      string
		overrides []string
	}{
		{"missing file", filepath.Join(dir, "nope.yaml"), nil},
		{"not a mapping", write("list.yaml", "- a\n- b\n"), nil},
		{"nested value", write("nested.yaml", "log:\n  dirs: x\n"), nil},
		{"duplicate key", write("dup.yaml", "a: 1\na: 2\n"), nil},
		{"bad yaml", write("bad.yaml", "a: [1\n"), nil},
		{"override without =", "", []string{"num.partitions"}},
		{"override without key", "", []string{"=3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := LoadSettings(tc.path, tc.overrides); !errors.Is(err, ErrSettings) {
				t.Fatalf("error %v, want ErrSettings", err)
			}
		})
	}
	if s, err := LoadSettings(write("empty.yaml", ""), nil); err != nil || len(s) != 0 {
		t.Fatalf("empty file: %v %v", s, err)
	}
}
