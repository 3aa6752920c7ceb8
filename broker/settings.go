package broker

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrSettings is the class of errors in a config file or an override.
var ErrSettings = errors.New("broker: invalid settings")

// LoadSettings reads broker settings: a YAML config file (a flat mapping of
// Kafka broker config names to scalar values, as in server.properties; ""
// for none) and then key=value overrides, which win. Values are kept as
// the strings Kafka's configs are; the registry validates them.
func LoadSettings(path string, overrides []string) (map[string]string, error) {
	settings := map[string]string{}
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%w: read config file: %w", ErrSettings, err)
		}
		if err := parseYAMLSettings(data, settings); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrSettings, path, err)
		}
	}
	for _, o := range overrides {
		k, v, ok := strings.Cut(o, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%w: override %q is not key=value", ErrSettings, o)
		}
		settings[k] = strings.TrimSpace(v)
	}
	return settings, nil
}

// parseYAMLSettings decodes a flat mapping of scalars into settings.
func parseYAMLSettings(data []byte, settings map[string]string) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // an empty file sets nothing
		}
		return err
	}
	if len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping of config names to values", m.Line)
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s must be a single value", v.Line, k.Value)
		}
		if _, dup := settings[k.Value]; dup {
			return fmt.Errorf("line %d: %s is set twice", k.Line, k.Value)
		}
		settings[k.Value] = scalar(v)
	}
	return nil
}

// scalar renders a YAML scalar as Kafka would read it from a properties
// file: null as empty, everything else as written.
func scalar(v *yaml.Node) string {
	if v.Tag == "!!null" {
		return ""
	}
	if v.Tag == "!!bool" {
		b, err := strconv.ParseBool(v.Value)
		if err == nil {
			return strconv.FormatBool(b)
		}
	}
	return v.Value
}
