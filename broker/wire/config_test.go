package wire

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	valid := DefaultConfig()
	valid.Versions = testVersions
	if err := valid.Validate(); err != nil {
		t.Fatalf("defaults with a table: %v", err)
	}
	if err := DefaultConfig().Validate(); !errors.Is(err, ErrConfig) {
		t.Fatalf("defaults without a table: err = %v, want ErrConfig", err)
	}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"zero MaxRequestSize", func(c *Config) { c.MaxRequestSize = 0 }},
		{"MaxRequestSize past int32", func(c *Config) { c.MaxRequestSize = math.MaxInt32 + 1 }},
		{"zero MaxQueuedBytes", func(c *Config) { c.MaxQueuedBytes = 0 }},
		{"zero MaxQueuedRequests", func(c *Config) { c.MaxQueuedRequests = 0 }},
		{"negative IdleTimeout", func(c *Config) { c.IdleTimeout = -time.Second }},
		{"negative WriteTimeout", func(c *Config) { c.WriteTimeout = -time.Second }},
		{"negative MaxConnections", func(c *Config) { c.MaxConnections = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid
			tt.edit(&c)
			if err := c.Validate(); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}

func TestNewServerRejects(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Versions = testVersions
	if _, err := NewServer(cfg, nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("nil handler: err = %v, want ErrConfig", err)
	}
	cfg.MaxQueuedBytes = -1
	if _, err := NewServer(cfg, &testHandler{}); !errors.Is(err, ErrConfig) {
		t.Fatalf("bad config: err = %v, want ErrConfig", err)
	}
}
