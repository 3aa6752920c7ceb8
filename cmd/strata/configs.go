package main

import (
	"strconv"

	"github.com/spf13/cobra"
)

// Entity types of the configs commands, with Kafka's spelling.
const (
	entityTopics  = "topics"
	entityBrokers = "brokers"
)

// newConfigsCommand is the parent of the config commands, the counterpart
// of kafka-configs.sh.
func newConfigsCommand(co *clientOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "configs",
		Short: "Describe and alter topic and broker configs",
		Example: `  strata configs describe --entity-type topics --entity-name my-topic
  strata configs alter --entity-type topics --entity-name my-topic --add-config retention.ms=86400000
  strata configs describe --entity-type brokers --entity-name 1 --all`,
	}
	cmd.RunE = runParent
	cmd.SetFlagErrorFunc(flagError)
	cmd.AddCommand(newConfigsDescribeCommand(co), newConfigsAlterCommand(co))
	return cmd
}

// entityOptions name the entity a configs command works on.
type entityOptions struct {
	entityType    string
	entityName    string
	entityDefault bool
}

func (e *entityOptions) register(cmd *cobra.Command, co *clientOptions) {
	f := cmd.Flags()
	f.StringVar(&e.entityType, "entity-type", "", "topics or brokers")
	f.StringVar(&e.entityName, "entity-name", "", "topic name or broker id")
	f.BoolVar(&e.entityDefault, "entity-default", false, "the cluster-wide default broker configs (with --entity-type brokers)")
	cmd.RegisterFlagCompletionFunc("entity-type", cobra.FixedCompletions(
		[]string{entityTopics, entityBrokers}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RegisterFlagCompletionFunc("entity-name", func(c *cobra.Command, args []string, s string) ([]string, cobra.ShellCompDirective) {
		if e.entityType == entityTopics {
			return completeTopics(co)(c, args, s)
		}
		return nil, cobra.ShellCompDirectiveNoFileComp
	})
}

// Validate checks the entity type, and that a broker name is an id.
func (e *entityOptions) Validate(nameRequired bool) error {
	if e.entityType == "" {
		return usageErrorf("no --entity-type given: pass --entity-type topics or --entity-type brokers")
	}
	if err := checkChoice("entity-type", e.entityType, entityTopics, entityBrokers); err != nil {
		return err
	}
	if e.entityDefault && (e.entityType != entityBrokers || e.entityName != "") {
		return usageErrorf("--entity-default is for --entity-type brokers without --entity-name")
	}
	if nameRequired && e.entityName == "" && !e.entityDefault {
		return usageErrorf("no --entity-name given: name the topic or broker id")
	}
	if e.entityType == entityBrokers && e.entityName != "" {
		if _, err := strconv.ParseInt(e.entityName, 10, 32); err != nil {
			return usageErrorf("--entity-name %q: a broker is named by its numeric id", e.entityName)
		}
	}
	return nil
}

// brokerID is the entity name as a broker id (Validate checked it).
func (e *entityOptions) brokerID() int32 {
	id, _ := strconv.ParseInt(e.entityName, 10, 32)
	return int32(id)
}
