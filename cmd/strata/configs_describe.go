package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type configsDescribeOptions struct {
	client *clientOptions
	entity entityOptions
	all    bool
	output string
}

// configEntity is the configs of one topic or broker.
type configEntity struct {
	EntityType string      `json:"entity_type"`
	EntityName string      `json:"entity_name"`
	Configs    []configRow `json:"configs"`
}

// configRow is one config of an entity. Value is null when unset or
// sensitive.
type configRow struct {
	Name      string  `json:"name"`
	Value     *string `json:"value"`
	Source    string  `json:"source"`
	Sensitive bool    `json:"sensitive"`
	ReadOnly  bool    `json:"read_only"`
}

func newConfigsDescribeCommand(co *clientOptions) *cobra.Command {
	o := &configsDescribeOptions{client: co}
	cmd := &cobra.Command{
		Use:   "describe",
		Short: "Show the configs of a topic or broker",
		Long: `Show configs set on a topic or broker (with --all, every config including
defaults): name, value, source, whether sensitive and whether read-only.
Without --entity-name, every topic or broker is described.`,
		Example: `  strata configs describe --entity-type topics --entity-name my-topic
  strata configs describe --entity-type topics --entity-name my-topic --all --output json
  strata configs describe --entity-type brokers --entity-name 1 --all`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.entity.register(cmd, co)
	cmd.Flags().BoolVar(&o.all, "all", false, "include configs left at their defaults")
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *configsDescribeOptions) run(cmd *cobra.Command) error {
	if err := o.entity.Validate(false); err != nil {
		return err
	}
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		names, err := o.names(ctx, s)
		if err != nil {
			return err
		}
		ents, err := o.describe(ctx, s, names)
		if err != nil {
			return err
		}
		if o.output == outputJSON {
			return writeJSON(cmd.OutOrStdout(), ents)
		}
		return printConfigEntities(cmd.OutOrStdout(), ents)
	})
}

// names are the entities to describe: the one named, or all of the type.
func (o *configsDescribeOptions) names(ctx context.Context, s *session) ([]string, error) {
	switch {
	case o.entity.entityName != "":
		return []string{o.entity.entityName}, nil
	case o.entity.entityDefault:
		return []string{""}, nil
	case o.entity.entityType == entityTopics:
		td, err := s.adm.ListTopicsWithInternal(ctx)
		return td.Names(), err
	}
	bs, err := s.adm.ListBrokers(ctx)
	var ids []string
	for _, id := range bs.NodeIDs() {
		ids = append(ids, strconv.Itoa(int(id)))
	}
	return ids, err
}

// describe sends DescribeConfigs for names.
func (o *configsDescribeOptions) describe(ctx context.Context, s *session, names []string) ([]configEntity, error) {
	typ := kmsg.ConfigResourceTypeTopic
	if o.entity.entityType == entityBrokers {
		typ = kmsg.ConfigResourceTypeBroker
	}
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, n := range names {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType, r.ResourceName = typ, n
		req.Resources = append(req.Resources, r)
	}
	resp, err := req.RequestWith(ctx, s.cl)
	if err != nil {
		return nil, err
	}
	ents := []configEntity{}
	for _, r := range resp.Resources {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return nil, brokerError(fmt.Sprintf("describe configs of %s %q", o.entity.entityType, r.ResourceName), err, deref(r.ErrorMessage))
		}
		ents = append(ents, o.entity.fromResource(r, o.all))
	}
	return ents, nil
}

func (e *entityOptions) fromResource(r kmsg.DescribeConfigsResponseResource, all bool) configEntity {
	ent := configEntity{EntityType: e.entityType, EntityName: r.ResourceName, Configs: []configRow{}}
	for _, c := range r.Configs {
		if !all && !isDynamicSource(c.Source) {
			continue
		}
		ent.Configs = append(ent.Configs, configRow{Name: c.Name, Value: c.Value, Source: c.Source.String(),
			Sensitive: c.IsSensitive, ReadOnly: c.ReadOnly})
	}
	return ent
}

// isDynamicSource reports a config set on the entity (or cluster-wide)
// rather than a static or built-in default.
func isDynamicSource(src kmsg.ConfigSource) bool {
	switch src {
	case kmsg.ConfigSourceDynamicTopicConfig, kmsg.ConfigSourceDynamicBrokerConfig, kmsg.ConfigSourceDynamicDefaultBrokerConfig:
		return true
	}
	return false
}

func printConfigEntities(w io.Writer, ents []configEntity) error {
	for i, e := range ents {
		if i > 0 {
			fmt.Fprintln(w)
		}
		name := e.EntityName
		if name == "" {
			name = "<default>"
		}
		fmt.Fprintf(w, "Configs of %s %s:\n", singular(e.EntityType), name)
		t := newTable(w, "NAME", "VALUE", "SOURCE", "SENSITIVE", "READ-ONLY")
		for _, c := range e.Configs {
			t.row(c.Name, configValue(c), c.Source, c.Sensitive, c.ReadOnly)
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	return nil
}

func configValue(c configRow) string {
	switch {
	case c.Sensitive:
		return "(sensitive)"
	case c.Value == nil:
		return "null"
	}
	return *c.Value
}

func singular(entityType string) string {
	if entityType == entityBrokers {
		return "broker"
	}
	return "topic"
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
