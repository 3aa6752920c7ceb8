package broker

import (
	"errors"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/strata-streaming/strata/internal/dirlock"
)

// A second broker on a data directory in use is refused at start, before
// it touches a log, and the first keeps serving; once the first closes,
// the directory is free.
func TestSecondBrokerOnADataDirIsRefused(t *testing.T) {
	dir := t.TempDir()
	first := startBroker(t, dir)
	ctx := testContext(t)
	cl := newClient(t, first, kgo.DefaultProduceTopic("locked"), kgo.AllowAutoTopicCreation())
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("before")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	second, err := Start(ctx, Config{NodeID: 1, Listen: "127.0.0.1:0", DataDir: dir, Settings: testSettings})
	if err == nil {
		second.Close()
		t.Fatal("a second broker started on a data directory in use")
	}
	if !errors.Is(err, dirlock.ErrLocked) || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("second start: %v, want ErrLocked and a message naming --data-dir", err)
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("after")}).FirstErr(); err != nil {
		t.Fatalf("the first broker after the refused start: %v", err)
	}

	cl.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	reopened := startBroker(t, dir)
	cl = newClient(t, reopened, kgo.ConsumeTopics("locked"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	var got []string
	for len(got) < 2 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	if strings.Join(got, ",") != "before,after" {
		t.Fatalf("records after reopening: %q, want before and after", got)
	}
}
