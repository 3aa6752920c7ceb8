package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestErrorMessages checks the failures users meet most often are one line
// naming problem and fix, with a distinct exit code.
func TestErrorMessages(t *testing.T) {
	addr := startCLIBroker(t)
	down := closedAddr(t)
	failCLI(t, exitNotFound, "unknown topic ghost: check the name with `strata topics list`",
		"topics", "describe", "ghost", "--bootstrap-server", addr)
	failCLI(t, exitNotFound, "ghost", "consume", "ghost", "--bootstrap-server", addr)
	for _, args := range [][]string{
		{"topics", "list"},
		{"topics", "create", "t"},
		{"produce", "t"},
		{"consume", "t"},
		{"groups", "list"},
		{"configs", "describe", "--entity-type", "topics", "--entity-name", "t"},
		{"cluster", "api-versions"},
	} {
		failCLI(t, exitUnreachable, "cannot reach broker at "+down+": is `strata serve` running? use --bootstrap-server",
			append(args, "--bootstrap-server", down)...)
	}
	mustCLI(t, addr, "", "topics", "create", "t")
	failCLI(t, exitRejected, "invalid config value", "topics", "create", "bad", "--config", "retention.ms=never", "--bootstrap-server", addr)
	failCLI(t, exitRejected, "max.message.bytes", "configs", "alter", "--entity-type", "topics", "--entity-name", "t",
		"--add-config", "max.message.bytes=-5", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "--partitions", "topics", "create", "x", "--partitions", "three", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "unknown flag", "topics", "list", "--colour", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "--output", "topics", "list", "--output", "yaml", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "not host:port", "topics", "list", "--bootstrap-server", "localhost")
}

func TestCommandConfig(t *testing.T) {
	addr := startCLIBroker(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.properties", "# client\nclient.id=ops-cli\nrequest.timeout.ms = 20000\nsecurity.protocol=PLAINTEXT\n")
	mustCLI(t, addr, "", "topics", "list", "--command-config", good)
	for _, tc := range []struct{ body, want string }{
		{"security.protocol=SSL\n", "TLS and SASL are not supported yet"},
		{"security.protocol=SASL_SSL\n", "TLS and SASL are not supported yet"},
		{"request.timeout.ms=soon\n", "request.timeout.ms"},
		{"sasl.mechanism=PLAIN\n", "unknown setting"},
		{"just-a-word\n", "want key=value"},
	} {
		p := write("bad.properties", tc.body)
		failCLI(t, exitUsage, tc.want, "topics", "list", "--command-config", p, "--bootstrap-server", addr)
	}
	failCLI(t, exitUsage, "--command-config", "topics", "list", "--command-config", filepath.Join(dir, "missing"), "--bootstrap-server", addr)
}

func TestHelpAndCompletion(t *testing.T) {
	for _, c := range allCommands(newRootCommand()) {
		if c.Runnable() && c.Example == "" && !strings.HasPrefix(c.CommandPath(), "strata completion") &&
			!strings.HasPrefix(c.CommandPath(), "strata help") {
			t.Errorf("%s has no examples", c.CommandPath())
		}
	}
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		r := runCLI(t, "", "completion", shell)
		if r.err != nil || len(r.stdout) < 100 {
			t.Errorf("completion %s: %v (%d bytes)", shell, r.err, len(r.stdout))
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"__complete", "topics", "list", "--output", ""}, "json"},
		{[]string{"__complete", "configs", "describe", "--entity-type", ""}, "brokers"},
		{[]string{"__complete", "produce", "--compression", ""}, "zstd"},
		{[]string{"__complete", "consume", "--isolation-level", ""}, "read_committed"},
	} {
		r := runCLI(t, "", tc.args...)
		if r.err != nil || !strings.Contains(r.stdout, tc.want) {
			t.Errorf("%v: %v %q", tc.args, r.err, r.stdout)
		}
	}
	r := runCLI(t, "", "topics", "create", "--help")
	if r.err != nil || !strings.Contains(r.stdout, "Examples:") {
		t.Errorf("topics create --help: %v %q", r.err, r.stdout)
	}
}

// allCommands lists c and every command below it.
func allCommands(c *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{c}
	for _, sub := range c.Commands() {
		out = append(out, allCommands(sub)...)
	}
	return out
}
