package main

import (
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kmsg"
)

type clusterAPIVersionsOptions struct {
	client *clientOptions
	output string
}

// brokerAPIs is one broker's supported API versions.
type brokerAPIs struct {
	brokerRow
	Error string       `json:"error,omitempty"`
	APIs  []apiVersion `json:"apis"`
}

// apiVersion is one API key's version range on a broker; Usable is the
// highest version both the broker and this client speak, -1 if none.
type apiVersion struct {
	Key        int16  `json:"key"`
	Name       string `json:"name"`
	MinVersion int16  `json:"min_version"`
	MaxVersion int16  `json:"max_version"`
	Usable     int16  `json:"usable"`
}

func newClusterAPIVersionsCommand(co *clientOptions) *cobra.Command {
	o := &clusterAPIVersionsOptions{client: co}
	cmd := &cobra.Command{
		Use:   "api-versions",
		Short: "List each broker's API keys and supported versions",
		Long: `List each broker's API keys with the range of versions it supports, as
kafka-broker-api-versions.sh does; usable is the newest version this client
also speaks.`,
		Example: "  strata cluster api-versions\n  strata cluster api-versions --output json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return o.run(cmd) },
	}
	addOutputFlag(cmd, &o.output, outputTable, outputJSON)
	return cmd
}

func (o *clusterAPIVersionsOptions) run(cmd *cobra.Command) error {
	if err := checkChoice("output", o.output, outputTable, outputJSON); err != nil {
		return err
	}
	return withSession(o.client, func(s *session) error {
		ctx, cancel := s.requestContext(cmd.Context())
		defer cancel()
		md, err := s.adm.BrokerMetadata(ctx)
		if err != nil {
			return err
		}
		vs, err := s.adm.ApiVersions(ctx)
		if err != nil {
			return err
		}
		var out []brokerAPIs
		for _, b := range md.Brokers {
			ba := brokerAPIs{brokerRow: brokerRow{NodeID: b.NodeID, Host: b.Host, Port: b.Port, Rack: deref(b.Rack)}, APIs: []apiVersion{}}
			v, ok := vs[b.NodeID]
			switch {
			case !ok:
				ba.Error = "no answer"
			case v.Err != nil:
				ba.Error = v.Err.Error()
			default:
				v.EachKeySorted(func(key, lo, hi int16) { ba.APIs = append(ba.APIs, newAPIVersion(key, lo, hi)) })
			}
			out = append(out, ba)
		}
		if o.output == outputJSON {
			return writeJSON(cmd.OutOrStdout(), out)
		}
		return printAPIVersions(cmd.OutOrStdout(), out)
	})
}

func newAPIVersion(key, lo, hi int16) apiVersion {
	av := apiVersion{Key: key, Name: kmsg.NameForKey(key), MinVersion: lo, MaxVersion: hi, Usable: -1}
	if req := kmsg.RequestForKey(key); req != nil {
		if u := min(hi, req.MaxVersion()); u >= lo {
			av.Usable = u
		}
	}
	if av.Name == "" {
		av.Name = "Unknown" + strconv.Itoa(int(key))
	}
	return av
}

// printAPIVersions writes kafka-broker-api-versions.sh's layout.
func printAPIVersions(w io.Writer, bs []brokerAPIs) error {
	for _, b := range bs {
		rack := orString(b.Rack, "null")
		addr := net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		if b.Error != "" {
			fmt.Fprintf(w, "%s (id: %d rack: %s) -> ERROR: %s\n", addr, b.NodeID, rack, b.Error)
			continue
		}
		fmt.Fprintf(w, "%s (id: %d rack: %s) -> (\n", addr, b.NodeID, rack)
		for i, a := range b.APIs {
			usable := "[unusable: no common version]"
			if a.Usable >= 0 {
				usable = fmt.Sprintf("[usable: %d]", a.Usable)
			}
			sep := ","
			if i == len(b.APIs)-1 {
				sep = ""
			}
			fmt.Fprintf(w, "\t%s(%d): %d to %d %s%s\n", a.Name, a.Key, a.MinVersion, a.MaxVersion, usable, sep)
		}
		if _, err := fmt.Fprintln(w, ")"); err != nil {
			return err
		}
	}
	return nil
}
