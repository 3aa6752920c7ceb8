package config

import (
	"errors"
	"strings"
	"testing"
)

// validation lists, for every config, values it accepts and values it
// refuses. TestValidationCoversEveryDef keeps it complete.
var validation = map[string]struct{ good, bad []string }{
	// Topic configs.
	"cleanup.policy":                  {[]string{"delete", "compact", "compact,delete", " delete , compact "}, []string{"", "remove", "delete,remove", "Delete"}},
	"compression.type":                {[]string{"producer", "uncompressed", "gzip", "snappy", "lz4", "zstd"}, []string{"", "none", "GZIP", "brotli"}},
	"delete.retention.ms":             {[]string{"0", "86400000"}, []string{"-1", "1.5", "day"}},
	"file.delete.delay.ms":            {[]string{"0", "60000"}, []string{"-1", ""}},
	"flush.messages":                  {[]string{"1", maxLong}, []string{"0", "9223372036854775808"}},
	"flush.ms":                        {[]string{"0", maxLong}, []string{"-1", "x"}},
	"index.interval.bytes":            {[]string{"0", "4096", "2147483647"}, []string{"-1", "2147483648"}},
	"local.retention.bytes":           {[]string{"-2", "-1", "0", "1073741824"}, []string{"-3", "1e9"}},
	"local.retention.ms":              {[]string{"-2", "-1", "0", "3600000"}, []string{"-3", ""}},
	"max.compaction.lag.ms":           {[]string{"1", maxLong}, []string{"0", "-1"}},
	"max.message.bytes":               {[]string{"0", "1048588", "10485760"}, []string{"-1", "1MB", "2147483648"}},
	"message.timestamp.after.max.ms":  {[]string{"0", "3600000", maxLong}, []string{"-1", "hour"}},
	"message.timestamp.before.max.ms": {[]string{"0", maxLong}, []string{"-1", ""}},
	"message.timestamp.type":          {[]string{"CreateTime", "LogAppendTime", " CreateTime "}, []string{"createtime", "", "NoTime"}},
	"min.cleanable.dirty.ratio":       {[]string{"0", "0.5", "1", "1.0"}, []string{"-0.1", "1.01", "NaN", "half", "Inf"}},
	"min.compaction.lag.ms":           {[]string{"0", "60000"}, []string{"-1", "x"}},
	"min.insync.replicas":             {[]string{"1", "3"}, []string{"0", "-1", "two"}},
	"strata.remote.recovery":          {[]string{"true", "false"}, []string{"yes"}},
	"remote.storage.enable":           {[]string{"true", "false", "TRUE", " False "}, []string{"yes", "1", ""}},
	"retention.bytes":                 {[]string{"-1", "0", "1073741824"}, []string{"-2", "1GB"}},
	"retention.ms":                    {[]string{"-1", "0", "604800000", maxLong}, []string{"-2", "7d", ""}},
	"segment.bytes":                   {[]string{"14", "1048576", "1073741824", "2147483647"}, []string{"13", " 13 ", "2147483648", "1GiB", ""}},
	"segment.index.bytes":             {[]string{"48", "10485760"}, []string{"4", "47", "x"}},
	"segment.jitter.ms":               {[]string{"0", "1000"}, []string{"-1", ""}},
	"segment.ms":                      {[]string{"1", "604800000"}, []string{"0", "-1", "week"}},
	"unclean.leader.election.enable":  {[]string{"true", "false"}, []string{"maybe", ""}},

	// Broker configs that only topic configs' synonyms do not cover.
	"node.id":                                      {[]string{"0", "1", "42"}, []string{"-1", "one"}},
	"listeners":                                    {[]string{"PLAINTEXT://:9092", "PLAINTEXT://127.0.0.1:0"}, nil},
	"advertised.listeners":                         {[]string{"PLAINTEXT://broker:9092"}, nil},
	"log.dirs":                                     {[]string{"/var/lib/strata", "/a,/b"}, nil},
	"num.partitions":                               {[]string{"1", "12"}, []string{"0", "-1", "x"}},
	"default.replication.factor":                   {[]string{"1", "3"}, []string{"0", "x"}},
	"auto.create.topics.enable":                    {[]string{"true", "false"}, []string{"on", ""}},
	"socket.request.max.bytes":                     {[]string{"1", "104857600"}, []string{"0", "2147483648"}},
	"connections.max.idle.ms":                      {[]string{"600000", "-1"}, []string{"10m"}},
	"queued.max.request.bytes":                     {[]string{"-1", "104857600"}, []string{"x"}},
	"log.retention.minutes":                        {[]string{"60", "-1"}, []string{"2147483648", "x"}},
	"log.retention.hours":                          {[]string{"168", "-1", "0"}, []string{"1.5", "x"}},
	"log.roll.hours":                               {[]string{"1", "168"}, []string{"0", "x"}},
	"log.roll.jitter.hours":                        {[]string{"0", "1"}, []string{"-1", "x"}},
	"log.retention.check.interval.ms":              {[]string{"1", "300000"}, []string{"0", "x"}},
	"offsets.topic.num.partitions":                 {[]string{"1", "50"}, []string{"0", "x"}},
	"offsets.topic.replication.factor":             {[]string{"1", "3", "32767"}, []string{"0", "32768"}},
	"offsets.retention.minutes":                    {[]string{"1", "10080"}, []string{"0", "x"}},
	"group.initial.rebalance.delay.ms":             {[]string{"0", "3000"}, []string{"-1", "x"}},
	"group.min.session.timeout.ms":                 {[]string{"0", "6000"}, []string{"-1", "x"}},
	"group.max.session.timeout.ms":                 {[]string{"0", "1800000"}, []string{"-1", "x"}},
	"group.max.size":                               {[]string{"1", "2147483647"}, []string{"0", "x"}},
	"transactional.id.expiration.ms":               {[]string{"1", "604800000"}, []string{"0", "x"}},
	"max.incremental.fetch.session.cache.slots":    {[]string{"0", "1000"}, []string{"-1", "x"}},
	"remote.log.storage.system.enable":             {[]string{"true", "false"}, []string{"x"}},
	"log.remote.storage.enable":                    {[]string{"true", "false"}, []string{"x"}},
	"object.store.url":                             {[]string{"", "s3://b/p", "file:///tmp/x"}, nil},
	"remote.log.chunk.cache.size.bytes":            {[]string{"1", "1073741824"}, []string{"0", "x"}},
	"remote.log.manager.copier.thread.pool.size":   {[]string{"1", "10"}, []string{"0", "x"}},
	"remote.log.manager.copy.max.bytes.per.second": {[]string{"1", "9223372036854775807"}, []string{"0", "x"}},
	"remote.log.manager.task.interval.ms":          {[]string{"1", "30000"}, []string{"0", "x"}},
	"remote.log.manager.task.retry.backoff.max.ms": {[]string{"1", "30000"}, []string{"0", "x"}},
	"remote.log.manager.task.retry.backoff.ms":     {[]string{"1", "500"}, []string{"0", "x"}},
	"remote.log.orphan.grace.ms":                   {[]string{"0", "3600000"}, []string{"-1", "x"}},
	"remote.log.orphan.sweep.interval.ms":          {[]string{"1", "900000"}, []string{"0", "x"}},
	"remote.log.reader.threads":                    {[]string{"1", "10"}, []string{"0", "x"}},
	"message.max.bytes":                            {[]string{"0", "1048588"}, []string{"-1", "x"}},
	"log.segment.bytes":                            {[]string{"14", "1073741824"}, []string{"13", "x"}},
	"log.retention.ms":                             {[]string{"-1", "0", "86400000"}, []string{"-2", "x"}},
	"log.retention.bytes":                          {[]string{"-1", "0"}, []string{"-2", "x"}},
	"log.roll.ms":                                  {[]string{"1", "3600000"}, []string{"0", "x"}},
	"log.roll.jitter.ms":                           {[]string{"0", "1000"}, []string{"-1", "x"}},
	"log.flush.interval.messages":                  {[]string{"1", maxLong}, []string{"0", "x"}},
	"log.flush.interval.ms":                        {[]string{"0", "1000"}, []string{"-1", "x"}},
	"log.index.interval.bytes":                     {[]string{"0", "4096"}, []string{"-1", "x"}},
	"log.index.size.max.bytes":                     {[]string{"48", "10485760"}, []string{"47", "x"}},
	"log.segment.delete.delay.ms":                  {[]string{"0", "60000"}, []string{"-1", "x"}},
	"log.cleanup.policy":                           {[]string{"delete", "compact,delete"}, []string{"", "none"}},
	"log.cleaner.delete.retention.ms":              {[]string{"0", "86400000"}, []string{"-1", "x"}},
	"log.cleaner.min.compaction.lag.ms":            {[]string{"0"}, []string{"-1", "x"}},
	"log.cleaner.max.compaction.lag.ms":            {[]string{"1", maxLong}, []string{"0", "x"}},
	"log.cleaner.min.cleanable.ratio":              {[]string{"0", "0.9"}, []string{"2", "x"}},
	"log.message.timestamp.type":                   {[]string{"CreateTime", "LogAppendTime"}, []string{"", "x"}},
	"log.message.timestamp.before.max.ms":          {[]string{"0", maxLong}, []string{"-1", "x"}},
	"log.message.timestamp.after.max.ms":           {[]string{"0", "3600000"}, []string{"-1", "x"}},
	"log.local.retention.ms":                       {[]string{"-2", "0"}, []string{"-3", "x"}},
	"log.local.retention.bytes":                    {[]string{"-2", "0"}, []string{"-3", "x"}},
	"producer.id.expiration.ms":                    {[]string{"1", "86400000"}, []string{"0", "x"}},
}

// sharedNames are both topic and broker configs; their table entry above
// serves both.
var sharedNames = []string{"compression.type", "min.insync.replicas", "unclean.leader.election.enable"}

func TestValidationCoversEveryDef(t *testing.T) {
	for _, name := range append(TopicNames(), BrokerNames()...) {
		if _, ok := validation[name]; !ok {
			t.Errorf("%s has no validation cases", name)
		}
	}
	for name := range validation {
		_, topic := LookupTopic(name)
		_, broker := LookupBroker(name)
		if !topic && !broker {
			t.Errorf("validation cases for %s, which is not defined", name)
		}
	}
}

func TestValidate(t *testing.T) {
	for name, c := range validation {
		validate := ValidateBroker
		if _, ok := LookupTopic(name); ok {
			validate = ValidateTopic
		}
		for _, v := range c.good {
			if err := validate(name, v); err != nil {
				t.Errorf("%s=%q: %v", name, v, err)
			}
		}
		for _, v := range c.bad {
			err := validate(name, v)
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%s=%q: got %v, want ErrInvalidConfig", name, v, err)
				continue
			}
			if !strings.Contains(err.Error(), name+": ") {
				t.Errorf("%s=%q: error %q does not name the key", name, v, err)
			}
		}
	}
	for _, name := range sharedNames {
		for _, v := range validation[name].good {
			if err := ValidateBroker(name, v); err != nil {
				t.Errorf("broker %s=%q: %v", name, v, err)
			}
		}
	}
}

func TestValidateMessages(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"segment.bytes", "10", "config: invalid config value: segment.bytes: 10 is below the minimum 14"},
		{"segment.bytes", "abc", `segment.bytes: "abc" is not a 32-bit integer (int)`},
		{"segment.bytes", "4294967296", `segment.bytes: "4294967296" is out of range for a 32-bit int`},
		{"min.cleanable.dirty.ratio", "2", "min.cleanable.dirty.ratio: 2 is outside [0, 1]"},
		{"cleanup.policy", "delete,remove", `cleanup.policy: "remove" is not one of [compact, delete]`},
		{"cleanup.policy", "", "cleanup.policy: the list is empty; name at least one of [compact, delete]"},
		{"message.timestamp.type", "Now", `message.timestamp.type: "Now" is not one of [CreateTime, LogAppendTime]`},
		{"remote.storage.enable", "yes", `remote.storage.enable: "yes" is not a boolean (true or false)`},
		{"retention.msx", "1", "config: unknown config: retention.msx is not a topic config"},
		{"compression.type", strings.Repeat("z", 1000), `compression.type: "` + strings.Repeat("z", 64) + `"... (1000 bytes) is not one of`},
	}
	for _, tt := range tests {
		err := ValidateTopic(tt.name, tt.value)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ValidateTopic(%s, %q) = %v, want it to contain %q", tt.name, tt.value, err, tt.want)
		}
	}
}

func TestValidateUnknown(t *testing.T) {
	if err := ValidateTopic("log.retention.ms", "1"); !errors.Is(err, ErrUnknownConfig) {
		t.Errorf("broker name as topic config: %v", err)
	}
	if err := ValidateBroker("retention.ms", "1"); !errors.Is(err, ErrUnknownConfig) {
		t.Errorf("topic name as broker config: %v", err)
	}
	if err := ValidateBroker("no.such.config", "1"); !errors.Is(err, ErrUnknownConfig) {
		t.Errorf("unknown broker config: %v", err)
	}
}

func TestValidateDynamicBroker(t *testing.T) {
	tests := []struct {
		name, value string
		want        error
	}{
		{"log.retention.ms", "86400000", nil},
		{"message.max.bytes", "2097152", nil},
		{"log.segment.bytes", "1048576", nil},
		{"producer.id.expiration.ms", "60000", nil},
		{"log.segment.bytes", "1", ErrInvalidConfig},
		{"log.retention.hours", "24", ErrReadOnly},
		{"log.dirs", "/tmp", ErrReadOnly},
		{"num.partitions", "3", ErrReadOnly},
		{"auto.create.topics.enable", "false", ErrReadOnly},
		{"retention.ms", "1", ErrUnknownConfig},
	}
	for _, tt := range tests {
		err := ValidateDynamicBroker(tt.name, tt.value)
		if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
			t.Errorf("ValidateDynamicBroker(%s, %s) = %v, want %v", tt.name, tt.value, err, tt.want)
		}
	}
}

func TestValidateAll(t *testing.T) {
	err := ValidateTopicConfigs(map[string]string{"segment.bytes": "1", "retention.ms": "1000", "nope": "x"})
	if !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, ErrUnknownConfig) {
		t.Fatalf("got %v, want both classes", err)
	}
	if got := err.Error(); strings.Index(got, "nope") > strings.Index(got, "segment.bytes") {
		t.Errorf("errors not in name order: %q", got)
	}
	if err := ValidateBrokerConfigs(map[string]string{"node.id": "3", "log.dirs": "/data"}); err != nil {
		t.Errorf("valid broker configs: %v", err)
	}
	if err := ValidateTopicConfigs(nil); err != nil {
		t.Errorf("no configs: %v", err)
	}
}

func TestDefs(t *testing.T) {
	for _, name := range TopicNames() {
		d, _ := LookupTopic(name)
		if d.Doc == "" || d.Dynamic || d.NoDefault {
			t.Errorf("topic config %s: needs a doc and a default, and is not a broker config", name)
		}
		for i, s := range d.Synonyms {
			bd, ok := LookupBroker(s)
			switch {
			case !ok:
				t.Errorf("%s: synonym %s is not a broker config", name, s)
			case i == 0 && !bd.Dynamic:
				t.Errorf("%s: its first synonym %s must be dynamic", name, s)
			case i > 0 && bd.scale == 0:
				t.Errorf("%s: lower synonym %s needs a unit", name, s)
			}
		}
	}
	for _, name := range BrokerNames() {
		d, _ := LookupBroker(name)
		if d.Doc == "" {
			t.Errorf("broker config %s has no doc", name)
		}
		for _, s := range d.Synonyms {
			if _, ok := LookupBroker(s); !ok {
				t.Errorf("%s: synonym %s is not a broker config", name, s)
			}
		}
	}
	if d, _ := LookupTopic("segment.bytes"); d.Valid() != "[14,...]" {
		t.Errorf("segment.bytes Valid() = %q", d.Valid())
	}
	if d, _ := LookupTopic("min.cleanable.dirty.ratio"); d.Valid() != "[0,...,1]" {
		t.Errorf("min.cleanable.dirty.ratio Valid() = %q", d.Valid())
	}
	if d, _ := LookupTopic("remote.storage.enable"); d.Valid() != "" || d.Sensitive() {
		t.Errorf("remote.storage.enable Valid() = %q", d.Valid())
	}
}
