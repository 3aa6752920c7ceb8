package main

import (
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// lineFormat is how `strata produce` splits an input line into headers, key
// and value; its --property names and defaults are those of Kafka's console
// producer. A line is [headers<headers.delimiter>][key<key.separator>]value,
// and headers are k1<headers.key.separator>v1<headers.separator>k2...
type lineFormat struct {
	ParseKey         bool
	KeySeparator     string
	ParseHeaders     bool
	HeadersDelimiter string
	HeadersSeparator string
	HeadersKeySep    string
	NullMarker       string // a key, value or header value equal to it is null; "" disables
	IgnoreError      bool   // a line lacking a separator is taken as all value
}

// defaultLineFormat is the console producer's default: the line is the value.
func defaultLineFormat() lineFormat {
	return lineFormat{KeySeparator: "\t", HeadersDelimiter: "\t", HeadersSeparator: ",", HeadersKeySep: ":"}
}

// parseLineFormat applies repeated --property key=value flags.
func parseLineFormat(props []string) (lineFormat, error) {
	f := defaultLineFormat()
	for _, p := range props {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return f, usageErrorf("--property %q: want name=value, e.g. --property parse.key=true", p)
		}
		if err := f.set(k, v); err != nil {
			return f, err
		}
	}
	return f, f.Validate()
}

func (f *lineFormat) set(k, v string) error {
	switch k {
	case "parse.key":
		return parseBoolProperty(k, v, &f.ParseKey)
	case "parse.headers":
		return parseBoolProperty(k, v, &f.ParseHeaders)
	case "ignore.error":
		return parseBoolProperty(k, v, &f.IgnoreError)
	case "key.separator":
		f.KeySeparator = v
	case "headers.delimiter":
		f.HeadersDelimiter = v
	case "headers.separator":
		f.HeadersSeparator = v
	case "headers.key.separator":
		f.HeadersKeySep = v
	case "null.marker":
		f.NullMarker = v
	default:
		return usageErrorf("--property %s: unknown; supported are parse.key, key.separator, parse.headers, "+
			"headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error", k)
	}
	return nil
}

// Validate rejects separators that are empty or that would make a line
// ambiguous.
func (f *lineFormat) Validate() error {
	for name, sep := range map[string]string{"key.separator": f.KeySeparator, "headers.delimiter": f.HeadersDelimiter,
		"headers.separator": f.HeadersSeparator, "headers.key.separator": f.HeadersKeySep} {
		if sep == "" {
			return usageErrorf("--property %s must not be empty", name)
		}
	}
	if f.ParseHeaders && f.ParseKey && f.HeadersDelimiter == f.KeySeparator {
		return usageErrorf("--property headers.delimiter and key.separator are both %q: make them differ", f.KeySeparator)
	}
	if f.ParseHeaders && f.HeadersSeparator == f.HeadersKeySep {
		return usageErrorf("--property headers.separator and headers.key.separator are both %q: make them differ", f.HeadersSeparator)
	}
	return nil
}

// record splits line n (1-based, for messages) into a record.
func (f *lineFormat) record(line string, n int) (*kgo.Record, error) {
	rest := line
	var headers string
	var hasHeaders, hasKey bool
	var key string
	var err error
	if f.ParseHeaders {
		if headers, rest, hasHeaders, err = f.cut(rest, f.HeadersDelimiter, "headers delimiter", line, n); err != nil {
			return nil, err
		}
	}
	if f.ParseKey {
		if key, rest, hasKey, err = f.cut(rest, f.KeySeparator, "key separator", line, n); err != nil {
			return nil, err
		}
	}
	r := &kgo.Record{Value: f.bytes(rest)}
	if hasKey {
		r.Key = f.bytes(key)
	}
	if hasHeaders && !(f.NullMarker != "" && headers == f.NullMarker) {
		if r.Headers, err = f.headers(headers, n); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// cut splits s at the first sep. Without sep, it is an error unless
// ignore.error is set, when all of s is left.
func (f *lineFormat) cut(s, sep, what, line string, n int) (string, string, bool, error) {
	before, after, ok := strings.Cut(s, sep)
	if ok {
		return before, after, true, nil
	}
	if f.IgnoreError {
		return "", s, false, nil
	}
	return "", "", false, usageErrorf("line %d: no %s %q in %q: fix the line or the --property", n, what, sep, line)
}

// bytes is s as a record field: nil when it equals null.marker.
func (f *lineFormat) bytes(s string) []byte {
	if f.NullMarker != "" && s == f.NullMarker {
		return nil
	}
	return []byte(s)
}

func (f *lineFormat) headers(s string, n int) ([]kgo.RecordHeader, error) {
	var out []kgo.RecordHeader
	for _, pair := range strings.Split(s, f.HeadersSeparator) {
		k, v, ok := strings.Cut(pair, f.HeadersKeySep)
		switch {
		case !ok && !f.IgnoreError:
			return nil, usageErrorf("line %d: no header key separator %q in header %q", n, f.HeadersKeySep, pair)
		case !ok:
			out = append(out, kgo.RecordHeader{Key: pair})
			continue
		case f.NullMarker != "" && k == f.NullMarker:
			return nil, usageErrorf("line %d: header key %q equals null.marker; header keys cannot be null", n, k)
		}
		out = append(out, kgo.RecordHeader{Key: k, Value: f.bytes(v)})
	}
	return out, nil
}

// parseBoolProperty sets dst from a true/false --property value.
func parseBoolProperty(k, v string, dst *bool) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return usageErrorf("--property %s=%q: want true or false", k, v)
	}
	*dst = b
	return nil
}
