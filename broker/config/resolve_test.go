package config

import (
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/retention"
	"github.com/strata-streaming/strata/tiered"
)

const (
	srcTopic   = kmsg.ConfigSourceDynamicTopicConfig
	srcDynamic = kmsg.ConfigSourceDynamicDefaultBrokerConfig
	srcStatic  = kmsg.ConfigSourceStaticBrokerConfig
	srcDefault = kmsg.ConfigSourceDefaultConfig
)

// TestResolveTopicDefaults checks that with nothing set, every topic config
// resolves to its own default, through its broker synonyms' defaults.
func TestResolveTopicDefaults(t *testing.T) {
	r := ResolveTopic(Layers{})
	for _, v := range r.All() {
		if want := canonical(v.Def.Type, v.Def.Default); v.Value != want || v.Null {
			t.Errorf("%s = %q (null %v), want its default %q", v.Def.Name, v.Value, v.Null, want)
		}
		if v.Source != srcDefault {
			t.Errorf("%s source %v, want DEFAULT_CONFIG", v.Def.Name, v.Source)
		}
	}
}

func TestResolveTopicPrecedence(t *testing.T) {
	tests := []struct {
		name     string
		config   string
		layers   Layers
		want     string
		source   kmsg.ConfigSource
		synonyms []Synonym
	}{
		{
			name: "default through log.retention.hours", config: "retention.ms",
			want: "604800000", source: srcDefault,
			synonyms: []Synonym{{"log.retention.hours", "168", srcDefault}},
		},
		{
			name: "static hours", config: "retention.ms",
			layers: Layers{Static: map[string]string{"log.retention.hours": "24"}},
			want:   "86400000", source: srcStatic,
			synonyms: []Synonym{{"log.retention.hours", "24", srcStatic}, {"log.retention.hours", "168", srcDefault}},
		},
		{
			name: "static minutes beat static hours", config: "retention.ms",
			layers: Layers{Static: map[string]string{"log.retention.hours": "24", "log.retention.minutes": "30"}},
			want:   "1800000", source: srcStatic,
			synonyms: []Synonym{
				{"log.retention.minutes", "30", srcStatic},
				{"log.retention.hours", "24", srcStatic},
				{"log.retention.hours", "168", srcDefault},
			},
		},
		{
			name: "static ms beats minutes and hours", config: "retention.ms",
			layers: Layers{Static: map[string]string{"log.retention.ms": "1000", "log.retention.minutes": "30", "log.retention.hours": "1"}},
			want:   "1000", source: srcStatic,
		},
		{
			name: "negative hours are unlimited", config: "retention.ms",
			layers: Layers{Static: map[string]string{"log.retention.hours": "-5"}},
			want:   "-1", source: srcStatic,
		},
		{
			name: "dynamic beats static", config: "retention.ms",
			layers: Layers{
				Dynamic: map[string]string{"log.retention.ms": "5000"},
				Static:  map[string]string{"log.retention.ms": "1000"},
			},
			want: "5000", source: srcDynamic,
			synonyms: []Synonym{
				{"log.retention.ms", "5000", srcDynamic},
				{"log.retention.ms", "1000", srcStatic},
				{"log.retention.hours", "168", srcDefault},
			},
		},
		{
			name: "topic beats dynamic", config: "retention.ms",
			layers: Layers{
				Topic:   map[string]string{"retention.ms": "-1"},
				Dynamic: map[string]string{"log.retention.ms": "5000"},
			},
			want: "-1", source: srcTopic,
			synonyms: []Synonym{
				{"retention.ms", "-1", srcTopic},
				{"log.retention.ms", "5000", srcDynamic},
				{"log.retention.hours", "168", srcDefault},
			},
		},
		{
			name: "read-only names in the dynamic layer are ignored", config: "retention.ms",
			layers: Layers{Dynamic: map[string]string{"log.retention.hours": "1"}},
			want:   "604800000", source: srcDefault,
		},
		{
			name: "invalid values are ignored", config: "segment.bytes",
			layers: Layers{Topic: map[string]string{"segment.bytes": "1"}, Static: map[string]string{"log.segment.bytes": "x"}},
			want:   "1073741824", source: srcDefault,
			synonyms: []Synonym{{"log.segment.bytes", "1073741824", srcDefault}},
		},
		{
			name: "same-name synonym", config: "max.message.bytes",
			layers: Layers{Static: map[string]string{"message.max.bytes": "2097152"}},
			want:   "2097152", source: srcStatic,
		},
		{
			name: "roll hours", config: "segment.ms",
			layers: Layers{Static: map[string]string{"log.roll.hours": "1"}},
			want:   "3600000", source: srcStatic,
		},
		{
			name: "no broker default: the topic default", config: "flush.ms",
			want: maxLong, source: srcDefault, synonyms: []Synonym{},
		},
		{
			name: "cluster default of tiering", config: "remote.storage.enable",
			layers: Layers{Dynamic: map[string]string{"log.remote.storage.enable": "false"}},
			want:   "false", source: srcDynamic,
		},
		{
			name: "canonical list", config: "cleanup.policy",
			layers: Layers{Topic: map[string]string{"cleanup.policy": " compact , delete"}},
			want:   "compact,delete", source: srcTopic,
		},
		{
			name: "canonical boolean", config: "unclean.leader.election.enable",
			layers: Layers{Dynamic: map[string]string{"unclean.leader.election.enable": "TRUE"}},
			want:   "true", source: srcDynamic,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := ResolveTopic(tt.layers).Get(tt.config)
			if !ok {
				t.Fatalf("%s not resolved", tt.config)
			}
			if v.Value != tt.want || v.Source != tt.source {
				t.Errorf("got %q from %v, want %q from %v", v.Value, v.Source, tt.want, tt.source)
			}
			if tt.synonyms != nil && !slices.Equal(v.Synonyms, tt.synonyms) {
				t.Errorf("synonyms %v, want %v", v.Synonyms, tt.synonyms)
			}
		})
	}
}

func TestResolveBroker(t *testing.T) {
	r := ResolveBroker(Layers{
		Topic:   map[string]string{"retention.ms": "1"},
		Dynamic: map[string]string{"log.segment.bytes": "1048576", "num.partitions": "9"},
		Static:  map[string]string{"log.retention.hours": "2", "num.partitions": "3", "node.id": "7"},
	})
	tests := []struct {
		config string
		want   string
		null   bool
		source kmsg.ConfigSource
	}{
		{"log.segment.bytes", "1048576", false, srcDynamic},
		{"num.partitions", "3", false, srcStatic}, // read-only: the dynamic value is ignored
		{"node.id", "7", false, srcStatic},
		{"log.retention.hours", "2", false, srcStatic},
		{"log.retention.ms", "7200000", false, srcStatic}, // through log.retention.hours
		{"log.retention.minutes", "", true, srcDefault},
		{"log.roll.ms", "604800000", false, srcDefault}, // through log.roll.hours' default
		{"advertised.listeners", "", true, srcDefault},
		{"auto.create.topics.enable", "true", false, srcDefault},
	}
	for _, tt := range tests {
		v, _ := r.Get(tt.config)
		if v.Value != tt.want || v.Null != tt.null || v.Source != tt.source {
			t.Errorf("%s = %q (null %v) from %v, want %q (null %v) from %v",
				tt.config, v.Value, v.Null, v.Source, tt.want, tt.null, tt.source)
		}
	}
	if _, ok := r.Get("retention.ms"); ok {
		t.Error("broker resolution has a topic config")
	}
	if len(r.All()) != len(BrokerNames()) {
		t.Errorf("All() has %d values, want %d", len(r.All()), len(BrokerNames()))
	}
}

func TestGetters(t *testing.T) {
	r := ResolveTopic(Layers{Topic: map[string]string{
		"cleanup.policy":            "compact,delete",
		"min.cleanable.dirty.ratio": "0.25",
		"remote.storage.enable":     "true",
		"segment.bytes":             "1048576",
	}})
	if got := r.List("cleanup.policy"); !slices.Equal(got, []string{"compact", "delete"}) {
		t.Errorf("List = %v", got)
	}
	if got := r.Float64("min.cleanable.dirty.ratio"); got != 0.25 {
		t.Errorf("Float64 = %v", got)
	}
	if !r.Bool("remote.storage.enable") {
		t.Error("Bool = false")
	}
	if got := r.Int64("segment.bytes"); got != 1048576 {
		t.Errorf("Int64 = %d", got)
	}
	if got := r.Int("max.message.bytes"); got != 1048588 {
		t.Errorf("Int = %d", got)
	}
	if got := r.String("compression.type"); got != "producer" {
		t.Errorf("String = %q", got)
	}
	b := ResolveBroker(Layers{})
	if got := b.String("advertised.listeners"); got != "" {
		t.Errorf("null String = %q", got)
	}
	for name, get := range map[string]func(){
		"unknown":   func() { r.Int64("no.such") },
		"type":      func() { r.Int64("cleanup.policy") },
		"wrong set": func() { b.Int64("segment.bytes") },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			get()
		}()
	}
}

func TestBuilders(t *testing.T) {
	r := ResolveTopic(Layers{
		Topic: map[string]string{"segment.bytes": "1048576", "flush.messages": "1", "local.retention.ms": "60000"},
		Static: map[string]string{
			"log.roll.hours":      "1",
			"log.retention.bytes": "1073741824",
			"log.retention.hours": "48",
		},
	})
	c := r.LogConfig()
	want := tiered.DefaultConfig()
	want.Segment.SegmentBytes = 1048576
	want.Segment.SegmentMs = 3600000
	want.Segment.FlushMessages = 1
	want.Segment.FlushMs = math.MaxInt64
	if c.MaxDecompressedBytes != want.MaxDecompressedBytes {
		t.Fatalf("LogConfig = %+v", c)
	}
	if !reflect.DeepEqual(c.Segment, want.Segment) {
		t.Errorf("SegmentConfig = %+v, want %+v", c.Segment, want.Segment)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("LogConfig does not validate: %v", err)
	}
	if got := r.RetentionPolicy(); got != (retention.Policy{RetentionMs: 48 * 3600000, RetentionBytes: 1 << 30}) {
		t.Errorf("RetentionPolicy = %+v", got)
	}
	if got := r.LocalRetentionPolicy(); got != (retention.Policy{RetentionMs: 60000, RetentionBytes: 1 << 30}) {
		t.Errorf("LocalRetentionPolicy = %+v", got)
	}
	if err := ResolveTopic(Layers{}).LogConfig(); err.Validate() != nil {
		t.Errorf("default LogConfig does not validate: %v", err.Validate())
	}
}
