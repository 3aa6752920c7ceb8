package broker

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startTelemetryBroker starts a broker with its admin server on a free
// loopback port and returns it with the admin server's base URL.
func startTelemetryBroker(t *testing.T) (*Broker, string) {
	return startBrokerWithTelemetry(t, TelemetryConfig{AdminListen: "127.0.0.1:0"})
}

func startBrokerWithTelemetry(t *testing.T, tc TelemetryConfig) (*Broker, string) {
	t.Helper()
	cfg := Config{NodeID: 1, Listen: "127.0.0.1:0", DataDir: t.TempDir(),
		Settings:  map[string]string{"group.initial.rebalance.delay.ms": "0", "offsets.topic.num.partitions": "1"},
		Logger:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Telemetry: tc}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := Start(ctx, cfg)
	if err != nil {
		t.Fatalf("start broker: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	if b.AdminAddr() == nil {
		t.Fatal("the broker has no admin address")
	}
	return b, "http://" + b.AdminAddr().String()
}

// httpGet returns the status and body of url.
func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

// scrape fetches and parses /metrics.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, body := httpGet(t, base+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

// series returns the metric of family name whose labels include labels.
func series(families map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	f := families[name]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			match = match && have[k] == v
		}
		if match {
			return m
		}
	}
	return nil
}

// produceAndConsume produces n records to topic and reads them back.
func produceAndConsume(t *testing.T, b *Broker, topic string, n int) int {
	t.Helper()
	ctx := testContext(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr().String()), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.ProducerBatchCompression(kgo.NoCompression())) // sizes stay above the value bytes
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if resp, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil || resp.Err != nil {
		t.Fatalf("create topic: %v %v", err, resp.Err)
	}
	var bytes int
	for i := range n {
		r := &kgo.Record{Topic: topic, Value: []byte(strings.Repeat("v", 100+i))}
		bytes += len(r.Value)
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	for got := 0; got < n; {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("fetch: %v", err)
		}
		got += fs.NumRecords()
	}
	return bytes
}

func TestMetricsAfterTraffic(t *testing.T) {
	b, admin := startTelemetryBroker(t)
	if code, _ := httpGet(t, admin+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz = %d", code)
	}
	if code, body := httpGet(t, admin+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz of a started broker = %d %q", code, body)
	}
	const records = 20
	valueBytes := produceAndConsume(t, b, "metered", records)
	commitOffset(t, b, "metered-group", "metered", 5)

	m := scrape(t, admin)
	checkAPI(t, m, "Produce", records)
	if in := counter(m, "strata_wire_received_bytes_total", "api", "Produce"); in < float64(valueBytes) {
		t.Errorf("produce bytes in = %v, below the %d value bytes sent", in, valueBytes)
	}
	checkAPI(t, m, "Fetch", 1)
	if out := counter(m, "strata_wire_sent_bytes_total", "api", "Fetch"); out < float64(valueBytes) {
		t.Errorf("fetch bytes out = %v, below the %d value bytes read", out, valueBytes)
	}
	if appended := counter(m, "strata_segment_appended_bytes_total"); appended < float64(valueBytes) {
		t.Errorf("appended %v bytes, below the %d value bytes", appended, valueBytes)
	}
	if size := gauge(m, "strata_topic_log_size_bytes", "topic", "metered"); size < float64(valueBytes) {
		t.Errorf("log size of the topic = %v, below the %d value bytes", size, valueBytes)
	}
	if lag := gauge(m, "strata_group_lag", "group", "metered-group", "topic", "metered"); lag != records-5 {
		t.Errorf("lag = %v, want %d", lag, records-5)
	}
	if accepted := counter(m, "strata_wire_connections_accepted_total"); accepted < 1 {
		t.Errorf("connections accepted = %v", accepted)
	}
}

// commitOffset commits offset for partition 0 of topic in group.
func commitOffset(t *testing.T, b *Broker, group, topic string, offset int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr().String()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var os kadm.Offsets
	os.Add(kadm.Offset{Topic: topic, Partition: 0, At: offset, LeaderEpoch: -1})
	resp, err := kadm.NewClient(cl).CommitOffsets(testContext(t), group, os)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// checkAPI checks an API's request counter and latency histogram: at
// least min requests, one observation per request, cumulative buckets
// ending at the count, and a positive, plausible mean.
func checkAPI(t *testing.T, m map[string]*dto.MetricFamily, api string, min float64) {
	t.Helper()
	n := counter(m, "strata_wire_requests_total", "api", api)
	if n < min {
		t.Errorf("%s requests = %v, want at least %v", api, n, min)
	}
	s := series(m, "strata_wire_request_duration_seconds", map[string]string{"api": api})
	if s == nil || s.GetHistogram() == nil {
		t.Fatalf("no %s latency histogram", api)
	}
	h := s.GetHistogram()
	if api == "Produce" && float64(h.GetSampleCount()) != n {
		t.Errorf("%s latency observations = %d, want one per request (%v)", api, h.GetSampleCount(), n)
	}
	if h.GetSampleCount() == 0 || h.GetSampleSum() <= 0 || h.GetSampleSum()/float64(h.GetSampleCount()) > 30 {
		t.Errorf("%s latency: %d observations summing to %vs", api, h.GetSampleCount(), h.GetSampleSum())
	}
	var prev uint64
	for _, bk := range h.GetBucket() {
		if bk.GetCumulativeCount() < prev {
			t.Errorf("%s latency buckets are not cumulative at le=%v", api, bk.GetUpperBound())
		}
		prev = bk.GetCumulativeCount()
	}
	if prev > h.GetSampleCount() {
		t.Errorf("%s latency buckets hold %d of %d observations", api, prev, h.GetSampleCount())
	}
}

// counter is a counter's value in the series with the given label pairs;
// NaN when there is none.
func counter(m map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	s := series(m, name, pairs(labels))
	if s == nil || s.GetCounter() == nil {
		return math.NaN()
	}
	return s.GetCounter().GetValue()
}

// gauge is a gauge's value in the series with the given label pairs; NaN
// when there is none.
func gauge(m map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	s := series(m, name, pairs(labels))
	if s == nil || s.GetGauge() == nil {
		return math.NaN()
	}
	return s.GetGauge().GetValue()
}

func pairs(kv []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestTracesExported points the broker at a fake OTLP collector, traces
// every request, and finds the spans there once the broker has closed.
func TestTracesExported(t *testing.T) {
	paths := make(chan string, 64)
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case paths <- r.URL.Path:
		default:
		}
	}))
	t.Cleanup(collector.Close)
	b, _ := startBrokerWithTelemetry(t, TelemetryConfig{
		AdminListen: "127.0.0.1:0", OTLPEndpoint: collector.URL, TraceSampleRatio: 1,
	})
	produceAndConsume(t, b, "traced", 1)
	if err := b.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case p := <-paths:
		if p != "/v1/traces" {
			t.Fatalf("collector got %s, want /v1/traces", p)
		}
	default:
		t.Fatal("no spans reached the collector")
	}
}

func TestReadiness(t *testing.T) {
	var r readiness
	if err := r.check(); !errors.Is(err, errNotReady) || !strings.Contains(err.Error(), "recovering") {
		t.Fatalf("starting: %v", err)
	}
	r.ready()
	if err := r.check(); err != nil {
		t.Fatalf("ready: %v", err)
	}
	r.stopping()
	r.ready() // a late call cannot make a stopping broker ready
	if err := r.check(); !errors.Is(err, errNotReady) {
		t.Fatalf("stopping: %v", err)
	}
}

func TestTelemetryConfigValidate(t *testing.T) {
	if err := (TelemetryConfig{}).validate(); err != nil {
		t.Fatalf("zero value: %v", err)
	}
	err := TelemetryConfig{AdminListen: "9644"}.validate()
	if !errors.Is(err, ErrConfig) {
		t.Fatalf("bad address: %v, want ErrConfig", err)
	}
}
