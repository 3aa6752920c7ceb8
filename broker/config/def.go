package config

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Errors returned by validation. Test with errors.Is; the returned errors
// wrap one of these with the key, the value and the rule.
var (
	// ErrUnknownConfig is a config name Strata does not know.
	ErrUnknownConfig = errors.New("config: unknown config")
	// ErrInvalidConfig is a value of the wrong type or outside the valid
	// values.
	ErrInvalidConfig = errors.New("config: invalid config value")
	// ErrReadOnly is a broker config that only takes effect at start-up
	// and so cannot be altered dynamically.
	ErrReadOnly = errors.New("config: read-only config")
)

// Def defines one config: its Kafka name, type, default and valid values.
// The registry's Defs are shared and must not be modified.
type Def struct {
	// Name is Kafka's name, such as "retention.ms".
	Name string
	// Type is Kafka's type: boolean, string, int, short, long, double,
	// list or password.
	Type kmsg.ConfigType
	// Default is Kafka's default in its string form; meaningless when
	// NoDefault is set.
	Default string
	// NoDefault marks a config without a default (Kafka's null), such as
	// log.retention.ms, which defers to log.retention.hours.
	NoDefault bool
	// Doc is the documentation DescribeConfigs returns.
	Doc string
	// Dynamic marks a broker config that can be altered at run time,
	// cluster-wide; the others need a restart (DescribeConfigs reports them
	// read-only). Topic configs are always alterable.
	Dynamic bool
	// Synonyms are the broker configs that supply this config's value when
	// it is not set itself, highest precedence first: for a topic config,
	// its broker-level synonyms (retention.ms: log.retention.ms,
	// log.retention.minutes, log.retention.hours); for a broker config, the
	// lower-precedence alternatives (log.retention.ms: log.retention.minutes,
	// log.retention.hours).
	Synonyms []string

	// rule constrains the parsed value beyond its type; nil for none.
	rule rule
	// scale converts this config's value into the unit of the configs it is
	// a synonym of: 3600000 for hours into milliseconds. 0 means as is.
	scale int64
}

// Sensitive reports whether the value is a secret that DescribeConfigs
// must not return.
func (d *Def) Sensitive() bool { return d.Type == kmsg.ConfigTypePassword }

// Valid describes the valid values as Kafka prints them, such as "[14,...]"
// or "[compact, delete]"; empty when any value of the type is valid.
func (d *Def) Valid() string {
	if d.rule == nil {
		return ""
	}
	return d.rule.String()
}

// Validate checks value against the type and the valid values. The error
// matches ErrInvalidConfig and names the key, the value and the rule.
func (d *Def) Validate(value string) error {
	v, err := parse(d.Type, value)
	if err != nil {
		return fmt.Errorf("%w: %s: %s %v", ErrInvalidConfig, d.Name, shown(value), err)
	}
	if d.rule == nil {
		return nil
	}
	if err := d.rule.check(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrInvalidConfig, d.Name, err)
	}
	return nil
}

// parsed is a value parsed by type: int64 for the integer types, float64,
// bool, string, or []string for lists.
type parsed any

// parse parses value as Kafka does: surrounding spaces are ignored, booleans
// are case-insensitive, lists are comma-separated with each element trimmed.
func parse(t kmsg.ConfigType, value string) (parsed, error) {
	s := strings.TrimSpace(value)
	switch t {
	case kmsg.ConfigTypeBoolean:
		switch strings.ToLower(s) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, errors.New("is not a boolean (true or false)")
	case kmsg.ConfigTypeShort:
		return parseInt(s, 16, "short")
	case kmsg.ConfigTypeInt:
		return parseInt(s, 32, "int")
	case kmsg.ConfigTypeLong:
		return parseInt(s, 64, "long")
	case kmsg.ConfigTypeDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, errors.New("is not a finite number")
		}
		return f, nil
	case kmsg.ConfigTypeList:
		return splitList(s), nil
	}
	return value, nil
}

func parseInt(s string, bits int, name string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, bits)
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("is out of range for a %d-bit %s", bits, name)
	}
	if err != nil {
		return 0, fmt.Errorf("is not a %d-bit integer (%s)", bits, name)
	}
	return n, nil
}

// splitList splits a comma-separated list, trimming each element; an empty
// string is the empty list.
func splitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// rule is a constraint on a parsed value.
type rule interface {
	check(v parsed) error
	String() string
}

// intRange is an inclusive range of integers; hi is math.MaxInt64 for no
// upper bound.
type intRange struct{ lo, hi int64 }

func atLeast(lo int64) rule { return intRange{lo: lo, hi: math.MaxInt64} }

func (r intRange) check(v parsed) error {
	n := v.(int64)
	if n < r.lo {
		return fmt.Errorf("%d is below the minimum %d", n, r.lo)
	}
	if n > r.hi {
		return fmt.Errorf("%d is above the maximum %d", n, r.hi)
	}
	return nil
}

func (r intRange) String() string {
	if r.hi == math.MaxInt64 {
		return fmt.Sprintf("[%d,...]", r.lo)
	}
	return fmt.Sprintf("[%d,...,%d]", r.lo, r.hi)
}

// floatRange is an inclusive range of doubles.
type floatRange struct{ lo, hi float64 }

func (r floatRange) check(v parsed) error {
	f := v.(float64)
	if f < r.lo || f > r.hi {
		return fmt.Errorf("%v is outside [%v, %v]", f, r.lo, r.hi)
	}
	return nil
}

func (r floatRange) String() string { return fmt.Sprintf("[%v,...,%v]", r.lo, r.hi) }

// oneOf is a string that must be one of a set, case-sensitively as in
// Kafka.
type oneOf []string

func (o oneOf) check(v parsed) error {
	s := strings.TrimSpace(v.(string))
	if !slices.Contains(o, s) {
		return fmt.Errorf("%s is not one of %s", shown(s), o)
	}
	return nil
}

func (o oneOf) String() string { return "[" + strings.Join(o, ", ") + "]" }

// listOf is a non-empty list whose elements are each one of a set.
type listOf []string

func (l listOf) check(v parsed) error {
	elems := v.([]string)
	if len(elems) == 0 {
		return fmt.Errorf("the list is empty; name at least one of %s", oneOf(l))
	}
	for _, e := range elems {
		if !slices.Contains(l, e) {
			return fmt.Errorf("%s is not one of %s", shown(e), oneOf(l))
		}
	}
	return nil
}

func (l listOf) String() string { return oneOf(l).String() }

// maxShown bounds how much of a value an error message quotes.
const maxShown = 64

// shown quotes a value for an error message, cut short if it is long.
func shown(s string) string {
	if len(s) <= maxShown {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%s... (%d bytes)", strconv.Quote(s[:maxShown]), len(s))
}
