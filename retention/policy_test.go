package retention

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if p.RetentionMs != 604_800_000 || p.RetentionBytes != -1 {
		t.Errorf("DefaultPolicy() = %+v, want retention.ms 604800000 and retention.bytes -1", p)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("DefaultPolicy().Validate() = %v", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	for _, tc := range []struct {
		policy Policy
		bad    []string // configuration keys the error must name
	}{
		{Policy{RetentionMs: -1, RetentionBytes: -1}, nil},
		{Policy{RetentionMs: 0, RetentionBytes: 0}, nil},
		{Policy{RetentionMs: 1, RetentionBytes: 1 << 40}, nil},
		{Policy{RetentionMs: -2, RetentionBytes: -1}, []string{"retention.ms"}},
		{Policy{RetentionMs: 0, RetentionBytes: -5}, []string{"retention.bytes"}},
		{Policy{RetentionMs: -9, RetentionBytes: -9}, []string{"retention.ms", "retention.bytes"}},
	} {
		err := tc.policy.Validate()
		if len(tc.bad) == 0 {
			if err != nil {
				t.Errorf("%+v: Validate() = %v, want nil", tc.policy, err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidPolicy) {
			t.Errorf("%+v: Validate() = %v, want ErrInvalidPolicy", tc.policy, err)
			continue
		}
		for _, key := range tc.bad {
			if !strings.Contains(err.Error(), key+" is") {
				t.Errorf("%+v: Validate() = %q, want it to name %s", tc.policy, err, key)
			}
		}
	}
}
