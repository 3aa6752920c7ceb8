package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// registry is a set of Defs by name, with the names in order.
type registry struct {
	byName map[string]*Def
	names  []string
}

func newRegistry(defs []Def) registry {
	r := registry{byName: make(map[string]*Def, len(defs))}
	for i := range defs {
		d := &defs[i]
		if _, dup := r.byName[d.Name]; dup {
			panic("config: " + d.Name + " defined twice")
		}
		if !d.NoDefault {
			if err := d.Validate(d.Default); err != nil {
				panic(fmt.Sprintf("config: default of %s: %v", d.Name, err))
			}
		}
		r.byName[d.Name] = d
	}
	r.names = slices.Sorted(maps.Keys(r.byName))
	return r
}

var (
	topics  = newRegistry(topicDefs)
	brokers = newRegistry(brokerDefs)
)

// LookupTopic returns the definition of a topic config.
func LookupTopic(name string) (*Def, bool) {
	d, ok := topics.byName[name]
	return d, ok
}

// LookupBroker returns the definition of a broker config.
func LookupBroker(name string) (*Def, bool) {
	d, ok := brokers.byName[name]
	return d, ok
}

// TopicNames returns the names of the topic configs, in order.
func TopicNames() []string { return slices.Clone(topics.names) }

// BrokerNames returns the names of the broker configs, in order.
func BrokerNames() []string { return slices.Clone(brokers.names) }

// ValidateTopic checks a topic config: an unknown name is ErrUnknownConfig,
// a bad value ErrInvalidConfig.
func ValidateTopic(name, value string) error {
	d, ok := LookupTopic(name)
	if !ok {
		return fmt.Errorf("%w: %s is not a topic config", ErrUnknownConfig, name)
	}
	return d.Validate(value)
}

// ValidateBroker checks a broker config: an unknown name is
// ErrUnknownConfig, a bad value ErrInvalidConfig.
func ValidateBroker(name, value string) error {
	d, ok := LookupBroker(name)
	if !ok {
		return fmt.Errorf("%w: %s is not a broker config", ErrUnknownConfig, name)
	}
	return d.Validate(value)
}

// ValidateDynamicBroker checks a broker config for a dynamic, cluster-wide
// change: as ValidateBroker, and a config that needs a restart is
// ErrReadOnly.
func ValidateDynamicBroker(name, value string) error {
	if err := ValidateBroker(name, value); err != nil {
		return err
	}
	if d, _ := LookupBroker(name); !d.Dynamic {
		return fmt.Errorf("%w: %s cannot be altered dynamically; set it in the broker configuration and restart", ErrReadOnly, name)
	}
	return nil
}

// ValidateTopicConfigs checks every topic config in configs, reporting all
// the invalid ones in name order.
func ValidateTopicConfigs(configs map[string]string) error {
	return validateAll(configs, ValidateTopic)
}

// ValidateBrokerConfigs checks every broker config in configs, reporting
// all the invalid ones in name order: the check of a static broker
// configuration at start-up.
func ValidateBrokerConfigs(configs map[string]string) error {
	return validateAll(configs, ValidateBroker)
}

func validateAll(configs map[string]string, validate func(name, value string) error) error {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(configs)) {
		errs = append(errs, validate(name, configs[name]))
	}
	return errors.Join(errs...)
}
