package retention

import (
	"errors"
	"testing"
	"time"
)

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if c.CheckInterval != 5*time.Minute {
		t.Errorf("CheckInterval = %v, want 5m", c.CheckInterval)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("DefaultConfig().Validate() = %v", err)
	}
	if _, err := New(c); err != nil { // nil Now and Logger take defaults
		t.Errorf("New(DefaultConfig()) = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, d := range []time.Duration{0, -time.Second} {
		c := DefaultConfig()
		c.CheckInterval = d
		if err := c.Validate(); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("CheckInterval %v: Validate() = %v, want ErrInvalidConfig", d, err)
		}
		if _, err := New(c); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("CheckInterval %v: New() = %v, want ErrInvalidConfig", d, err)
		}
	}
}
