package objstore

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateKey(t *testing.T) {
	for _, key := range []string{
		"a", "a/b/c", ".hidden", "a/..b", "a/b..", "é/世界", "with space", strings.Repeat("k", MaxKeyLen),
	} {
		if err := ValidateKey(key); err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", key, err)
		}
	}
	for _, key := range []string{
		"", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "a\x00", "a\tb", "a\x7f", "\xc3",
		strings.Repeat("k", MaxKeyLen+1),
	} {
		if err := ValidateKey(key); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want ErrInvalidKey", key, err)
		}
	}
}

func TestNormalizePrefix(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "/": "", "a": "a/", "/a/b/": "a/b/", "a/b": "a/b/", "//a//": "a/",
	} {
		if got, err := normalizePrefix(in); err != nil || got != want {
			t.Errorf("normalizePrefix(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"a//b", "a/../b", "a\x01", strings.Repeat("p", MaxKeyLen)} {
		if _, err := normalizePrefix(in); !errors.Is(err, ErrConfig) {
			t.Errorf("normalizePrefix(%q) = %v, want ErrConfig", in, err)
		}
	}
}

func TestPrefixedCountsThePrefix(t *testing.T) {
	key := strings.Repeat("k", MaxKeyLen-2)
	if _, err := prefixed("p/", key); err != nil {
		t.Fatalf("prefixed at the limit: %v", err)
	}
	if _, err := prefixed("pp/", key); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("prefixed over the limit = %v, want ErrInvalidKey", err)
	}
}

func TestListable(t *testing.T) {
	for prefix, want := range map[string]bool{
		"": true, "a": true, "a/": true, "a/b": true, "a/.": true, "a/..x": true,
		"/": false, "a//": false, "../": false, "a/./": false, "a\x01": false,
	} {
		if got := listable(prefix); got != want {
			t.Errorf("listable(%q) = %v, want %v", prefix, got, want)
		}
	}
}
