package handler

import (
	"context"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/wire"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestApiVersionsGolden pins what Strata advertises, and the bytes of the
// response a client reads, against testdata/api_versions.golden. A change
// to any handler's version range shows up here, to be reviewed on purpose:
// clients pick features from this table.
func TestApiVersionsGolden(t *testing.T) {
	h := newAdminHandler(t, newAdminCluster(1), nil)
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 3
	req.ClientSoftwareName, req.ClientSoftwareVersion = "strata-test", "1.0"
	resp, err := h.Serve(context.Background(), &wire.Request{Key: req.Key(), Version: 3, Msg: req})
	if err != nil {
		t.Fatal(err)
	}
	resp.SetVersion(3)
	var b strings.Builder
	for _, k := range resp.(*kmsg.ApiVersionsResponse).ApiKeys {
		fmt.Fprintf(&b, "%-3d %-28s %d-%d\n", k.ApiKey, kmsg.NameForKey(k.ApiKey), k.MinVersion, k.MaxVersion)
	}
	b.WriteString("\n" + hex.Dump(resp.AppendTo(nil)))
	golden := filepath.Join("testdata", "api_versions.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if b.String() != string(want) {
		t.Fatalf("ApiVersions differs from %s:\n%s", golden, b.String())
	}
}

// TestApiVersionsRequirements checks the ranges clients depend on: Produce
// and the group APIs from v0 (librdkafka), ApiVersions from v0.
func TestApiVersionsRequirements(t *testing.T) {
	h := newAdminHandler(t, newAdminCluster(1), nil)
	for _, key := range []kmsg.Key{kmsg.Produce, kmsg.ApiVersions, kmsg.JoinGroup, kmsg.SyncGroup,
		kmsg.Heartbeat, kmsg.LeaveGroup, kmsg.OffsetCommit, kmsg.OffsetFetch, kmsg.FindCoordinator} {
		if lo, _, ok := h.Versions().Lookup(key.Int16()); !ok || lo != 0 {
			t.Errorf("%s is not served from v0", kmsg.NameForKey(key.Int16()))
		}
	}
}

// TestApiVersionsBadClientSoftware refuses client software names Kafka
// refuses.
func TestApiVersionsBadClientSoftware(t *testing.T) {
	h := newAdminHandler(t, newAdminCluster(1), nil)
	req := kmsg.NewPtrApiVersionsRequest()
	req.Version = 3
	req.ClientSoftwareName, req.ClientSoftwareVersion = "bad name!", "1"
	resp, err := h.Serve(context.Background(), &wire.Request{Key: req.Key(), Version: 3, Msg: req})
	if err != nil {
		t.Fatal(err)
	}
	if code := resp.(*kmsg.ApiVersionsResponse).ErrorCode; code != kerr.InvalidRequest.Code {
		t.Fatalf("error %d, want INVALID_REQUEST", code)
	}
}
