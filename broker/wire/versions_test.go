package wire

import (
	"errors"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestNewVersions(t *testing.T) {
	v := testVersions
	if lo, hi, ok := v.Lookup(3); !ok || lo != 0 || hi != 12 {
		t.Fatalf("Lookup(Metadata) = %d, %d, %v", lo, hi, ok)
	}
	for _, key := range []int16{-1, 1, 1000} {
		if _, _, ok := v.Lookup(key); ok {
			t.Fatalf("Lookup(%d) found", key)
		}
	}
	if !v.Supports(0, 3) || v.Supports(0, 2) || v.Supports(0, 10) || v.Supports(1, 0) {
		t.Fatal("Supports disagrees with the table")
	}
	keys := v.ApiKeys()
	want := []int16{0, 3, 18}
	if got := keyList(keys); !slices.Equal(got, want) {
		t.Fatalf("ApiKeys = %v, want %v in order", got, want)
	}
	keys[0].MaxVersion = 1
	if _, hi, _ := v.Lookup(0); hi != 9 {
		t.Fatal("ApiKeys shares the table")
	}
	if (Versions{}).ApiKeys() != nil || (Versions{}).Supports(apiVersionsKey, 0) {
		t.Fatal("zero Versions serves something")
	}
}

func keyList(keys []kmsg.ApiVersionsResponseApiKey) []int16 {
	var out []int16
	for _, k := range keys {
		out = append(out, k.ApiKey)
	}
	return out
}

func TestNewVersionsRejects(t *testing.T) {
	av := apiKey(18, 0, 3)
	tests := []struct {
		name string
		keys []kmsg.ApiVersionsResponseApiKey
	}{
		{"empty", nil},
		{"no ApiVersions", []kmsg.ApiVersionsResponseApiKey{apiKey(3, 0, 12)}},
		{"ApiVersions not from 0", []kmsg.ApiVersionsResponseApiKey{apiKey(18, 1, 3)}},
		{"unknown key", []kmsg.ApiVersionsResponseApiKey{av, apiKey(999, 0, 0)}},
		{"negative key", []kmsg.ApiVersionsResponseApiKey{av, apiKey(-1, 0, 0)}},
		{"min above max", []kmsg.ApiVersionsResponseApiKey{av, apiKey(3, 5, 4)}},
		{"negative min", []kmsg.ApiVersionsResponseApiKey{av, apiKey(3, -1, 4)}},
		{"max past kmsg", []kmsg.ApiVersionsResponseApiKey{av, apiKey(3, 0, 99)}},
		{"duplicate", []kmsg.ApiVersionsResponseApiKey{av, apiKey(3, 0, 4), apiKey(3, 0, 5)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewVersions(tt.keys...); !errors.Is(err, ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}
