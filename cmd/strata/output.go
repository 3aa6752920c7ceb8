package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// Output formats of --output.
const (
	outputTable = "table"
	outputText  = "text"
	outputJSON  = "json"
)

// addOutputFlag adds --output to cmd, bound to dst, defaulting to the first
// allowed format, with shell completion of the allowed formats.
func addOutputFlag(cmd *cobra.Command, dst *string, allowed ...string) {
	cmd.Flags().StringVarP(dst, "output", "o", allowed[0], "output format: "+strings.Join(allowed, " or "))
	cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}

// checkChoice validates a flag whose value is one of a fixed set.
func checkChoice(flag, value string, allowed ...string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	return usageErrorf("--%s %q: want %s", flag, value, strings.Join(allowed, ", "))
}

// table writes aligned columns for people.
type table struct {
	tw *tabwriter.Writer
}

// newTable starts a table with the given column headers.
func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	if len(headers) > 0 {
		t.row(toAny(headers)...)
	}
	return t
}

// row writes one line; each cell is formatted with %v.
func (t *table) row(cells ...any) {
	parts := make([]string, len(cells))
	for i, c := range cells {
		parts[i] = fmt.Sprint(c)
	}
	fmt.Fprintln(t.tw, strings.Join(parts, "\t"))
}

// flush writes the table out.
func (t *table) flush() error { return t.tw.Flush() }

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// writeJSON writes v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// joinInt32s formats replica lists as Kafka's tools do: 1,2,3.
func joinInt32s(xs []int32) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ",")
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress shows a running count on a terminal for long operations. On
// anything but a terminal it does nothing. Stop ends it and waits for its
// goroutine.
type progress struct {
	w     io.Writer
	label string
	total int64
	n     atomic.Int64
	stop  chan struct{}
	done  chan struct{}
}

// startProgress starts a progress line labelled label; total 0 means
// unknown.
func startProgress(w io.Writer, label string, total int64) *progress {
	p := &progress{w: w, label: label, total: total}
	if !isTerminal(w) {
		return p
	}
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go p.run()
	return p
}

// Add counts n more units done.
func (p *progress) Add(n int64) { p.n.Add(n) }

// Stop clears the progress line and waits for the goroutine to end.
func (p *progress) Stop() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
}

func (p *progress) run() {
	defer close(p.done)
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			fmt.Fprint(p.w, "\r\033[K")
			return
		case <-t.C:
			if p.total > 0 {
				fmt.Fprintf(p.w, "\r%s %d/%d", p.label, p.n.Load(), p.total)
			} else {
				fmt.Fprintf(p.w, "\r%s %d", p.label, p.n.Load())
			}
		}
	}
}
