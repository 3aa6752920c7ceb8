package objstore

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxKeyLen is the longest key in bytes, S3's limit. A backend prefix counts
// towards it.
const MaxKeyLen = 1024

// ValidateKey reports whether key may name an object in every backend. It
// returns nil or an error wrapping ErrInvalidKey.
func ValidateKey(key string) error {
	if err := checkKey(key); err != "" {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, err)
	}
	return nil
}

func checkKey(key string) string {
	switch {
	case key == "":
		return "empty"
	case len(key) > MaxKeyLen:
		return fmt.Sprintf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(key):
		return "not valid UTF-8"
	case strings.HasPrefix(key, "/"):
		return "starts with '/'"
	case strings.HasSuffix(key, "/"):
		return "ends with '/'"
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return "holds a control character"
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return "holds an empty segment"
		case ".", "..":
			return "holds a '.' or '..' segment"
		}
	}
	return ""
}

// normalizePrefix turns a configured backend prefix into the string that is
// prepended to every key: "" stays "", anything else becomes its segments
// joined by '/' with exactly one trailing '/'. The prefix must be made of
// segments that are valid in a key.
func normalizePrefix(prefix string) (string, error) {
	p := strings.Trim(prefix, "/")
	if p == "" {
		return "", nil
	}
	if reason := checkKey(p); reason != "" {
		return "", fmt.Errorf("%w: prefix %q %s", ErrConfig, prefix, reason)
	}
	if len(p)+1 >= MaxKeyLen {
		return "", fmt.Errorf("%w: prefix %q leaves no room for keys", ErrConfig, prefix)
	}
	return p + "/", nil
}

// prefixed validates key and returns it with the backend prefix prepended.
func prefixed(prefix, key string) (string, error) {
	if err := ValidateKey(key); err != nil {
		return "", err
	}
	full := prefix + key
	if len(full) > MaxKeyLen {
		return "", fmt.Errorf("%w %q: longer than %d bytes with the prefix %q",
			ErrInvalidKey, key, MaxKeyLen, prefix)
	}
	return full, nil
}

// listable reports whether any valid key can start with prefix; stores may
// reject a prefix that no key could have rather than list nothing.
func listable(prefix string) bool {
	_, ok := listDir(prefix)
	return ok && !strings.ContainsFunc(prefix, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// check is the argument check the local backends' methods start with.
func check(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return ValidateKey(key)
}
