package broker

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Debian's librdkafka clients, installed by `make test-deps`.
const (
	kcatPath   = "/usr/bin/kcat"
	pythonPath = "/usr/bin/python3"
)

// requireTool skips a test when a client is missing on a developer's
// machine; in CI, where `make test` installs them, a missing one fails.
func requireTool(t *testing.T, path string, check ...string) {
	t.Helper()
	err := exec.Command(path, check...).Run()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s %v: %v (make test-deps installs it)", path, check, err)
	}
	t.Skipf("%s not usable (%v); run make test-deps", path, err)
}

func runTool(t *testing.T, ctx context.Context, stdin string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\nstdout: %s\nstderr: %s", name, args, err, out.String(), errb.String())
	}
	return out.String()
}

// TestKcat lists metadata, produces keyed records and consumes them back
// with kcat (librdkafka).
func TestKcat(t *testing.T) {
	requireTool(t, kcatPath, "-V")
	b := startBroker(t, t.TempDir())
	addr := b.Addr().String()
	ctx := testContext(t)
	createTopic(t, newAdmin(t, b), "kc", 3, nil)

	md := runTool(t, ctx, "", kcatPath, "-b", addr, "-L")
	if !strings.Contains(md, "broker 1 at "+addr) || !strings.Contains(md, `topic "kc" with 3 partitions`) {
		t.Fatalf("kcat -L:\n%s", md)
	}
	var in strings.Builder
	for i := 0; i < 100; i++ {
		in.WriteString("key-" + itoa(i) + ":value-" + itoa(i) + "\n")
	}
	runTool(t, ctx, in.String(), kcatPath, "-b", addr, "-P", "-t", "kc", "-K:", "-z", "lz4")
	out := runTool(t, ctx, "", kcatPath, "-b", addr, "-C", "-t", "kc", "-o", "beginning", "-e", "-q", "-f", "%k=%s\n")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 100 {
		t.Fatalf("kcat consumed %d records, want 100:\n%s", len(lines), out)
	}
	got := map[string]bool{}
	for _, l := range lines {
		got[l] = true
	}
	for i := 0; i < 100; i++ {
		if want := "key-" + itoa(i) + "=value-" + itoa(i); !got[want] {
			t.Fatalf("kcat did not consume %q", want)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// pythonExample writes one of the seed text's Python examples with only
// its bootstrap address changed.
func pythonExample(t *testing.T, name, addr string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", "python", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	text := strings.ReplaceAll(string(src), "localhost:9092", addr)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPythonExamples runs the Producer, Consumer and AdminClient examples
// of the user's reference text with confluent-kafka-python.
func TestPythonExamples(t *testing.T) {
	requireTool(t, pythonPath, "-c", "import confluent_kafka")
	b := startBroker(t, t.TempDir())
	addr := b.Addr().String()
	ctx := testContext(t)

	runTool(t, ctx, "", pythonPath, pythonExample(t, "producer.py", addr))
	want := "Received message: key=b'message-key', value=b'Hello, Kafka from Python!'"
	waitForLine(t, ctx, want, pythonPath, pythonExample(t, "consumer.py", addr))

	runTool(t, ctx, "", pythonPath, pythonExample(t, "admin.py", addr))
	check, err := filepath.Abs(filepath.Join("testdata", "python", "admin_check.py"))
	if err != nil {
		t.Fatal(err)
	}
	out := runTool(t, ctx, "", pythonPath, check, addr)
	if !strings.Contains(out, "INVALID_REPLICATION_FACTOR") || !strings.Contains(out, "created my-new-topic with 3 partitions") {
		t.Fatalf("admin check:\n%s", out)
	}
}

// waitForLine runs a command that never ends by itself (the consumer
// example polls forever) until it prints want, then stops it.
func waitForLine(t *testing.T, ctx context.Context, want string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "PYTHONUNBUFFERED=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	var seen []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if sc.Text() == want {
			return
		}
		seen = append(seen, sc.Text())
	}
	t.Fatalf("%s never printed %q; it printed %q; stderr: %s", name, want, seen, errb.String())
}
