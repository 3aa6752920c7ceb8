package broker

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// kafkaJSDir holds the KafkaJS check: script.js, and the package.json and
// package-lock.json pinning the KafkaJS version it runs.
const kafkaJSDir = "testdata/kafkajs"

// TestKafkaJS runs KafkaJS against the broker: admin createTopics, gzip
// produce with acks -1, and a group consumer reading everything back with
// its offsets committed (testdata/kafkajs/script.js).
func TestKafkaJS(t *testing.T) {
	requireTool(t, "node", "--version")
	requireTool(t, "npm", "--version")
	modules := kafkaJSModules(t)
	b := startBroker(t, t.TempDir())
	script, err := filepath.Abs(filepath.Join(kafkaJSDir, "script.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(testContext(t), "node", script, b.Addr().String())
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("node script.js: %v\nstdout: %s\nstderr: %s", err, out.String(), errb.String())
	}
	if want := "kafkajs: produced 1000, consumed 1000, committed 1000"; strings.TrimSpace(out.String()) != want {
		t.Fatalf("node script.js printed %q, want %q", out.String(), want)
	}
}

// kafkaJSModules returns the node_modules directory of the pinned KafkaJS,
// installed with `npm ci` into the user's cache directory (outside the
// repository) and reused while its lock file matches ours.
func kafkaJSModules(t *testing.T) string {
	t.Helper()
	pkg := readKafkaJSFile(t, "package.json")
	lock := readKafkaJSFile(t, "package-lock.json")
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("cache dir: %v", err)
	}
	dir := filepath.Join(cache, "strata", "kafkajs-"+kafkaJSVersion(t, pkg))
	if !kafkaJSInstalled(dir, lock) {
		installKafkaJS(t, dir, pkg, lock)
	}
	return filepath.Join(dir, "node_modules")
}

// kafkaJSInstalled reports whether dir holds a finished `npm ci` of lock.
func kafkaJSInstalled(dir string, lock []byte) bool {
	installed, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil || !bytes.Equal(installed, lock) {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "node_modules", "kafkajs", "package.json"))
	return err == nil
}

func readKafkaJSFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(kafkaJSDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kafkaJSVersion is the exact KafkaJS version package.json pins.
func kafkaJSVersion(t *testing.T, pkg []byte) string {
	t.Helper()
	var p struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(pkg, &p); err != nil {
		t.Fatalf("package.json: %v", err)
	}
	v := p.Dependencies["kafkajs"]
	if v == "" || strings.ContainsAny(v, "^~<>=* /") {
		t.Fatalf("package.json must pin an exact kafkajs version, has %q", v)
	}
	return v
}

// installKafkaJS runs `npm ci` in a fresh directory beside dir and moves it
// into place, so a concurrent or interrupted install never leaves dir half
// written.
func installKafkaJS(t *testing.T, dir string, pkg, lock []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	for name, data := range map[string][]byte{"package.json": pkg, "package-lock.json": lock} {
		if err := os.WriteFile(filepath.Join(tmp, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(testContext(t), "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", tmp, err, out)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	// A concurrent install may have won the rename: its result is as good.
	if err := os.Rename(tmp, dir); err != nil && !kafkaJSInstalled(dir, lock) {
		t.Fatalf("install kafkajs: %v", err)
	}
}
