package broker

import (
	"testing"
)

// TestTieredMetrics tiers a topic into the default directory store, reads
// it back from offset 0, and finds tiered storage's metrics on /metrics.
func TestTieredMetrics(t *testing.T) {
	b, base := startBrokerWithTelemetry(t, TelemetryConfig{AdminListen: "127.0.0.1:0"})
	ctx := testContext(t)
	d := newTieredData("metered-tiers", 1, 200, 4<<10)
	d.batchBytes = 16 << 10
	createTopic(t, newAdmin(t, b), d.topic, 1, topicConfigs("segment.bytes", "65536", "local.retention.bytes", "1"))
	d.produce(t, ctx, d.producer(t, b), 0, d.records)
	waitTiered(t, ctx, b, d.topic)
	d.consumeAll(t, ctx, b, d.records)

	m := scrape(t, base)
	if up := counter(m, "strata_remote_upload_bytes_total"); !(up > 0) {
		t.Errorf("uploaded bytes = %v", up)
	}
	if remote := gauge(m, "strata_log_bytes", "tier", "remote"); !(remote > 0) {
		t.Errorf("remote log bytes = %v", remote)
	}
	if local := gauge(m, "strata_log_bytes", "tier", "local"); !(local > 0) {
		t.Errorf("local log bytes = %v", local)
	}
	if backlog := gauge(m, "strata_remote_upload_backlog_bytes"); backlog != 0 {
		t.Errorf("upload backlog = %v once everything is uploaded", backlog)
	}
	if misses := counter(m, "strata_remote_cache_misses_total"); !(misses > 0) {
		t.Errorf("cache misses = %v after a cold read", misses)
	}
	h := series(m, "strata_remote_read_latency_seconds", nil)
	if h == nil || h.GetHistogram().GetSampleCount() == 0 {
		t.Errorf("no cold read latency recorded: %v", h)
	}
}
