package main

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
)

// nameArg returns the name given by --flag or as the only positional
// argument; exactly one of them must be set unless optional.
func nameArg(flag, fromFlag string, args []string, optional bool) (string, error) {
	switch {
	case fromFlag != "" && len(args) > 0:
		return "", usageErrorf("give the %s either as --%s or as an argument, not both", flag, flag)
	case len(args) > 1:
		return "", usageErrorf("one %s at a time: got %s", flag, strings.Join(args, " "))
	case len(args) == 1:
		return args[0], nil
	case fromFlag == "" && !optional:
		return "", usageErrorf("no %s given: pass --%s NAME", flag, flag)
	}
	return fromFlag, nil
}

// parseConfigPairs parses repeated key=value flags into a config map.
func parseConfigPairs(flag string, pairs []string) (map[string]*string, error) {
	out := make(map[string]*string, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, usageErrorf("--%s %q: want key=value, e.g. --%s retention.ms=86400000", flag, p, flag)
		}
		out[k] = &v
	}
	return out, nil
}

// splitConfigList splits a comma-separated list of key=value pairs as
// kafka-configs.sh does: a value in square brackets may hold commas
// (cleanup.policy=[compact,delete]); the brackets are dropped.
func splitConfigList(list string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range list {
		switch {
		case c == '[':
			depth++
		case c == ']' && depth > 0:
			depth--
		case c == ',' && depth == 0:
			out = appendNonEmpty(out, list[start:i])
			start = i + 1
		}
	}
	out = appendNonEmpty(out, list[start:])
	for i, p := range out {
		if k, v, ok := strings.Cut(p, "="); ok && strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
			out[i] = k + "=" + v[1:len(v)-1]
		}
	}
	return out
}

func appendNonEmpty(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// topicSpec is one --topic t or --topic t:0,1 argument: a topic and, if
// listed, some of its partitions.
type topicSpec struct {
	Topic      string
	Partitions []int32 // nil means all partitions
}

// parseTopicSpec parses t or t:p1,p2.
func parseTopicSpec(s string) (topicSpec, error) {
	name, list, hasList := strings.Cut(s, ":")
	if name == "" {
		return topicSpec{}, usageErrorf("--topic %q: want a topic name, or topic:p1,p2", s)
	}
	spec := topicSpec{Topic: name}
	if !hasList {
		return spec, nil
	}
	for _, f := range strings.Split(list, ",") {
		p, err := strconv.ParseInt(strings.TrimSpace(f), 10, 32)
		if err != nil || p < 0 {
			return topicSpec{}, usageErrorf("--topic %q: partition %q is not a number", s, f)
		}
		if !slices.Contains(spec.Partitions, int32(p)) {
			spec.Partitions = append(spec.Partitions, int32(p))
		}
	}
	return spec, nil
}

// resolveTopicSpecs turns --topic t / t:p1,p2 arguments into a set of
// partitions, checking each topic and listed partition exists.
func resolveTopicSpecs(ctx context.Context, s *session, args []string) (kadm.TopicsSet, error) {
	set := kadm.TopicsSet{}
	for _, a := range args {
		spec, err := parseTopicSpec(a)
		if err != nil {
			return nil, err
		}
		parts, err := s.topicPartitions(ctx, spec.Topic)
		if err != nil {
			return nil, err
		}
		if spec.Partitions == nil {
			set.Add(spec.Topic, parts...)
			continue
		}
		for _, p := range spec.Partitions {
			if !slices.Contains(parts, p) {
				return nil, notFoundErrorf("topic %s has no partition %d: it has %d partitions", spec.Topic, p, len(parts))
			}
		}
		set.Add(spec.Topic, spec.Partitions...)
	}
	return set, nil
}
