package handler

// IncrementalAlterConfigs, versions 0-1.
//
// Each config of a resource is changed by its operation: SET a value,
// DELETE an override (deleting one that is not set does nothing), or, for
// list configs (cleanup.policy), APPEND values not yet present or SUBTRACT
// values; a list that is not set starts from its default, as in Kafka.
// APPEND or SUBTRACT on a config that is not a list is INVALID_CONFIG, an
// unknown operation INVALID_REQUEST. The resources, their checks and
// their error codes are AlterConfigs' (topic resources, and the
// cluster-wide broker resource ""), except that a null value is allowed
// for DELETE. The resulting configs are checked as a whole before
// anything is written; validate_only writes nothing. v1 changes only the
// encoding.

import (
	"context"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/strata-streaming/strata/broker/config"
	"github.com/strata-streaming/strata/broker/wire"
)

func init() {
	register(kmsg.IncrementalAlterConfigs.Int16(), 0, 1, (*Handler).incrementalAlterConfigs)
}

func (h *Handler) incrementalAlterConfigs(ctx context.Context, req *wire.Request) (kmsg.Response, error) {
	r := req.Msg.(*kmsg.IncrementalAlterConfigsRequest)
	dup := adminDuplicates(r.Resources, func(rr kmsg.IncrementalAlterConfigsRequestResource) string {
		return resourceKey(rr.ResourceType, rr.ResourceName)
	})
	resp := kmsg.NewPtrIncrementalAlterConfigsResponse()
	for _, rr := range r.Resources {
		res := kmsg.NewIncrementalAlterConfigsResponseResource()
		res.ResourceType, res.ResourceName = rr.ResourceType, rr.ResourceName
		err := checkAlterResource(dup, rr.ResourceType, rr.ResourceName, incrementalEntries(rr.Configs))
		if err == nil {
			lookup := config.LookupTopic
			if rr.ResourceType == kmsg.ConfigResourceTypeBroker {
				lookup = config.LookupBroker
			}
			apply := func(current map[string]string) (map[string]string, error) {
				return applyIncremental(current, rr.Configs, lookup)
			}
			err = h.writeConfigs(ctx, rr.ResourceType, rr.ResourceName, apply, r.ValidateOnly)
		}
		res.ErrorCode, res.ErrorMessage = errorCode(err), adminMessage(err)
		resp.Resources = append(resp.Resources, res)
	}
	return resp, nil
}

func incrementalEntries(cs []kmsg.IncrementalAlterConfigsRequestResourceConfig) []alterEntry {
	out := make([]alterEntry, len(cs))
	for i, c := range cs {
		out[i] = alterEntry{name: c.Name, value: c.Value, nullValid: c.Op == kmsg.IncrementalAlterConfigOpDelete}
	}
	return out
}

// applyIncremental applies the operations to current, in request order,
// and returns it. lookup finds a config's definition, for the list
// operations.
func applyIncremental(current map[string]string, ops []kmsg.IncrementalAlterConfigsRequestResourceConfig,
	lookup func(string) (*config.Def, bool)) (map[string]string, error) {
	if current == nil {
		current = make(map[string]string, len(ops))
	}
	for _, op := range ops {
		switch op.Op {
		case kmsg.IncrementalAlterConfigOpSet:
			current[op.Name] = *op.Value
		case kmsg.IncrementalAlterConfigOpDelete:
			delete(current, op.Name)
		case kmsg.IncrementalAlterConfigOpAppend, kmsg.IncrementalAlterConfigOpSubtract:
			v, err := applyListOp(current, op, lookup)
			if err != nil {
				return nil, err
			}
			current[op.Name] = v
		default:
			return nil, adminErrorf(kerr.InvalidRequest, "Unknown operations type %d", int8(op.Op))
		}
	}
	return current, nil
}

// applyListOp appends values to, or subtracts values from, a list config,
// starting from its default when it is not set.
func applyListOp(current map[string]string, op kmsg.IncrementalAlterConfigsRequestResourceConfig,
	lookup func(string) (*config.Def, bool)) (string, error) {
	d, ok := lookup(op.Name)
	if !ok {
		return "", adminErrorf(kerr.InvalidConfig, "Unknown config name: %s", op.Name)
	}
	verb := map[kmsg.IncrementalAlterConfigOp]string{
		kmsg.IncrementalAlterConfigOpAppend:   "append",
		kmsg.IncrementalAlterConfigOpSubtract: "subtract",
	}[op.Op]
	if d.Type != kmsg.ConfigTypeList {
		return "", adminErrorf(kerr.InvalidConfig, "Config value %s is not allowed for config key: %s", verb, op.Name)
	}
	base, ok := current[op.Name]
	if !ok && !d.NoDefault {
		base = d.Default
	}
	list, values := splitConfigList(base), splitConfigList(*op.Value)
	if op.Op == kmsg.IncrementalAlterConfigOpAppend {
		return strings.Join(appendAbsent(list, values), ","), nil
	}
	remove := make(map[string]bool, len(values))
	for _, v := range values {
		remove[v] = true
	}
	list = slices.DeleteFunc(list, func(e string) bool { return remove[e] })
	return strings.Join(list, ","), nil
}

// appendAbsent appends to list the values it does not hold yet, once each.
func appendAbsent(list, values []string) []string {
	has := make(map[string]bool, len(list)+len(values))
	for _, e := range list {
		has[e] = true
	}
	for _, v := range values {
		if !has[v] {
			has[v] = true
			list = append(list, v)
		}
	}
	return list
}

// splitConfigList splits a list config's value as Kafka does: comma
// separated, each element trimmed, "" the empty list.
func splitConfigList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}
