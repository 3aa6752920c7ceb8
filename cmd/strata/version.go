package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at link time by the Makefile (-X main.version=...).
var version = "dev"

type versionOptions struct {
	short bool
}

func newVersionCommand() *cobra.Command {
	var o versionOptions
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "Print the Strata version",
		Example: "  strata version\n  strata version --short",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd)
		},
	}
	cmd.Flags().BoolVar(&o.short, "short", false, "print the version number only")
	return cmd
}

func (o *versionOptions) run(cmd *cobra.Command) error {
	out := cmd.OutOrStdout()
	if o.short {
		_, err := fmt.Fprintln(out, version)
		return err
	}
	commit := "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				commit = s.Value
			}
		}
	}
	_, err := fmt.Fprintf(out, "strata %s (commit %s, %s, %s/%s)\n",
		version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}
