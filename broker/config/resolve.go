package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Layers are the places a config value can be set, highest precedence
// first. Values that do not validate are ignored: the layers are checked
// when they are written, so an invalid one is a leftover of older rules.
type Layers struct {
	// Topic is a topic's overrides (DYNAMIC_TOPIC_CONFIG); broker
	// resolution ignores it.
	Topic map[string]string
	// Dynamic are the dynamic cluster-wide broker configs
	// (DYNAMIC_DEFAULT_BROKER_CONFIG); only Dynamic broker configs are
	// honoured from it.
	Dynamic map[string]string
	// Static is the broker's configuration at start-up
	// (STATIC_BROKER_CONFIG).
	Static map[string]string
}

// Synonym is one setting that applies to a config, as DescribeConfigs
// reports it: the name it is set under, its value there and the source.
type Synonym struct {
	Name   string
	Value  string
	Source kmsg.ConfigSource
}

// Value is a config's effective value and where it comes from.
type Value struct {
	Def *Def
	// Value is the effective value, in the config's own unit and Kafka's
	// canonical form ("true", "compact,delete"); empty when Null.
	Value string
	// Null marks a config with no value anywhere: a broker config without
	// a default that is not set.
	Null bool
	// Source is where Value comes from.
	Source kmsg.ConfigSource
	// Synonyms are the settings that apply, highest precedence first; the
	// first, if any, is the one Value comes from.
	Synonyms []Synonym
}

// Resolved are the effective values of every topic config, or of every
// broker config.
type Resolved struct {
	reg    *registry
	values map[string]*Value
}

// ResolveTopic resolves every topic config from a topic's overrides, the
// dynamic broker configs and the static broker configs.
func ResolveTopic(l Layers) *Resolved {
	r := &Resolved{reg: &topics, values: make(map[string]*Value, len(topics.names))}
	for _, name := range topics.names {
		d := topics.byName[name]
		var found []Synonym
		if v, ok := l.Topic[name]; ok && d.Validate(v) == nil {
			found = append(found, Synonym{Name: name, Value: v, Source: kmsg.ConfigSourceDynamicTopicConfig})
		}
		found = append(found, brokerSettings(d.Synonyms, l)...)
		r.values[name] = effective(d, found)
	}
	return r
}

// ResolveBroker resolves every broker config from the dynamic and static
// broker configs. A config with lower-precedence alternatives resolves
// through them: log.retention.ms is log.retention.hours in milliseconds
// when neither it nor log.retention.minutes is set.
func ResolveBroker(l Layers) *Resolved {
	r := &Resolved{reg: &brokers, values: make(map[string]*Value, len(brokers.names))}
	for _, name := range brokers.names {
		d := brokers.byName[name]
		chain := append([]string{name}, d.Synonyms...)
		r.values[name] = effective(d, brokerSettings(chain, l))
	}
	return r
}

// brokerSettings lists the settings of the broker configs in chain, in
// Kafka's order: every dynamic setting, then every static one, then the
// defaults.
func brokerSettings(chain []string, l Layers) []Synonym {
	var found []Synonym
	for _, name := range chain {
		d := brokers.byName[name]
		if v, ok := l.Dynamic[name]; ok && d.Dynamic && d.Validate(v) == nil {
			found = append(found, Synonym{Name: name, Value: v, Source: kmsg.ConfigSourceDynamicDefaultBrokerConfig})
		}
	}
	for _, name := range chain {
		if v, ok := l.Static[name]; ok && brokers.byName[name].Validate(v) == nil {
			found = append(found, Synonym{Name: name, Value: v, Source: kmsg.ConfigSourceStaticBrokerConfig})
		}
	}
	for _, name := range chain {
		if d := brokers.byName[name]; !d.NoDefault {
			found = append(found, Synonym{Name: name, Value: d.Default, Source: kmsg.ConfigSourceDefaultConfig})
		}
	}
	return found
}

// effective builds d's Value from its settings, highest precedence first;
// with none, the value is d's default.
func effective(d *Def, found []Synonym) *Value {
	v := &Value{Def: d, Synonyms: found, Source: kmsg.ConfigSourceDefaultConfig}
	switch {
	case len(found) > 0:
		v.Value, v.Source = convert(d, found[0]), found[0].Source
	case d.NoDefault:
		v.Null = true
	default:
		v.Value = canonical(d.Type, d.Default)
	}
	return v
}

// convert returns s's value as d's: scaled from hours or minutes into
// milliseconds when s is such a synonym, where a negative value means
// unlimited (-1), as in Kafka.
func convert(d *Def, s Synonym) string {
	sd, ok := brokers.byName[s.Name]
	if !ok || s.Name == d.Name || sd.scale == 0 {
		return canonical(d.Type, s.Value)
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(s.Value), 10, 64)
	if n < 0 {
		return "-1"
	}
	return strconv.FormatInt(n*sd.scale, 10)
}

// canonical formats a valid value as Kafka prints it.
func canonical(t kmsg.ConfigType, value string) string {
	p, err := parse(t, value)
	if err != nil {
		return value
	}
	switch v := p.(type) {
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case []string:
		return strings.Join(v, ",")
	}
	return value
}

// Get returns the named config's value.
func (r *Resolved) Get(name string) (*Value, bool) {
	v, ok := r.values[name]
	return v, ok
}

// All returns every config's value, in name order.
func (r *Resolved) All() []*Value {
	all := make([]*Value, 0, len(r.reg.names))
	for _, name := range r.reg.names {
		all = append(all, r.values[name])
	}
	return all
}

// The typed getters read a config the registry defines; a Null value reads
// as the zero value. They panic on a name the registry does not define or
// a getter that does not fit its type: both are programming errors.

// String returns a string config's value.
func (r *Resolved) String(name string) string {
	return r.must(name, kmsg.ConfigTypeString, kmsg.ConfigTypePassword).Value
}

// Int64 returns an integer config's value (short, int or long).
func (r *Resolved) Int64(name string) int64 {
	v := r.must(name, kmsg.ConfigTypeShort, kmsg.ConfigTypeInt, kmsg.ConfigTypeLong)
	n, _ := strconv.ParseInt(v.Value, 10, 64)
	return n
}

// Int returns an integer config's value as an int.
func (r *Resolved) Int(name string) int { return int(r.Int64(name)) }

// Bool returns a boolean config's value.
func (r *Resolved) Bool(name string) bool {
	return r.must(name, kmsg.ConfigTypeBoolean).Value == "true"
}

// Float64 returns a double config's value.
func (r *Resolved) Float64(name string) float64 {
	f, _ := strconv.ParseFloat(r.must(name, kmsg.ConfigTypeDouble).Value, 64)
	return f
}

// List returns a list config's elements.
func (r *Resolved) List(name string) []string {
	return splitList(r.must(name, kmsg.ConfigTypeList).Value)
}

func (r *Resolved) must(name string, types ...kmsg.ConfigType) *Value {
	v, ok := r.values[name]
	if !ok {
		panic(fmt.Sprintf("config: %s is not resolved here", name))
	}
	for _, t := range types {
		if v.Def.Type == t {
			return v
		}
	}
	panic(fmt.Sprintf("config: %s is a %s, not a %s", name, v.Def.Type, types[0]))
}
