package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kadm"
)

type configsAlterOptions struct {
	client        *clientOptions
	entity        entityOptions
	addConfigs    []string
	deleteConfigs []string
}

func newConfigsAlterCommand(co *clientOptions) *cobra.Command {
	o := &configsAlterOptions{client: co}
	cmd := &cobra.Command{
		Use:   "alter",
		Short: "Set or remove configs of a topic or broker",
		Long: `Set configs with --add-config k=v,k2=v2 (a value with commas goes in
brackets: cleanup.policy=[compact,delete]) and remove them with
--delete-config k,k2, through IncrementalAlterConfigs; both repeatable.`,
		Example: `  strata configs alter --entity-type topics --entity-name my-topic --add-config retention.ms=86400000,max.message.bytes=2097152
  strata configs alter --entity-type topics --entity-name my-topic --delete-config retention.ms
  strata configs alter --entity-type brokers --entity-default --add-config log.retention.ms=604800000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	o.entity.register(cmd, co)
	cmd.Flags().StringArrayVar(&o.addConfigs, "add-config", nil, "configs to set, k=v[,k2=v2] (repeatable)")
	cmd.Flags().StringArrayVar(&o.deleteConfigs, "delete-config", nil, "configs to remove, k[,k2] (repeatable)")
	return cmd
}

// alterations parses --add-config and --delete-config.
func (o *configsAlterOptions) alterations() ([]kadm.AlterConfig, error) {
	var set, del []string
	for _, a := range o.addConfigs {
		set = append(set, splitConfigList(a)...)
	}
	for _, d := range o.deleteConfigs {
		del = append(del, splitConfigList(d)...)
	}
	if len(set)+len(del) == 0 {
		return nil, usageErrorf("nothing to alter: pass --add-config k=v or --delete-config k")
	}
	return configAlterations(set, del, "add-config")
}

func (o *configsAlterOptions) run(cmd *cobra.Command) error {
	if err := o.entity.Validate(true); err != nil {
		return err
	}
	alters, err := o.alterations()
	if err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		var resps kadm.AlterConfigsResponses
		var err error
		switch {
		case o.entity.entityType == entityTopics:
			resps, err = s.adm.AlterTopicConfigs(ctx, alters, o.entity.entityName)
		case o.entity.entityDefault:
			resps, err = s.adm.AlterBrokerConfigs(ctx, alters)
		default:
			resps, err = s.adm.AlterBrokerConfigs(ctx, alters, o.entity.brokerID())
		}
		if err != nil {
			return err
		}
		what := fmt.Sprintf("alter configs of %s %s", singular(o.entity.entityType), orString(o.entity.entityName, "<default>"))
		for _, r := range resps {
			if r.Err != nil {
				return brokerError(what, r.Err, r.ErrMessage)
			}
		}
		_, err = fmt.Fprintf(cmd.OutOrStdout(), "Completed updating config for %s %s.\n",
			singular(o.entity.entityType), orString(o.entity.entityName, "<default>"))
		return err
	})
}
