package controller

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// lockedBuffer is a bytes.Buffer safe for raft's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestRaftLogsReachLogger(t *testing.T) {
	var out lockedBuffer
	cfg := testConfig(t.TempDir())
	cfg.Logger = slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := open(t, cfg)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	logs := out.String()
	for _, want := range []string{`msg="entering leader state" logger=raft`, `msg="controller open"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestRaftLoggerLevels(t *testing.T) {
	var out lockedBuffer
	l := newRaftLogger(slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo})))
	if l.IsInfo() || !l.IsWarn() || l.GetLevel() != hclog.Warn {
		t.Errorf("levels: info %v warn %v level %v", l.IsInfo(), l.IsWarn(), l.GetLevel())
	}
	l.Info("hidden")
	l.Named("snap").With("k", "v").Warn("shown", "n", 1, "servers", hclog.Fmt("%d voters", 3))
	l.StandardLogger(&hclog.StandardLoggerOptions{ForceLevel: hclog.Error}).Print("std")
	logs := out.String()
	// Raft's warnings are Strata's info; its errors stay errors.
	for _, want := range []string{`level=INFO msg=shown k=v logger=raft.snap n=1 servers="3 voters"`, `level=ERROR msg=std`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	if strings.Contains(logs, "hidden") {
		t.Errorf("a raft info line passed an info handler:\n%s", logs)
	}
}
