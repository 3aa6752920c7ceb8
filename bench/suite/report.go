package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Value is a figure with its unit.
type Value struct {
	V    float64
	Unit string
}

func (v Value) String() string {
	switch {
	case v.Unit == "":
		return "—"
	case v.V >= 100:
		return fmt.Sprintf("%.0f %s", v.V, v.Unit)
	case v.V >= 10:
		return fmt.Sprintf("%.1f %s", v.V, v.Unit)
	case v.V >= 0.1 || v.V == 0:
		return fmt.Sprintf("%.2f %s", v.V, v.Unit)
	}
	return fmt.Sprintf("%.3g %s", v.V, v.Unit)
}

// Target is an issue's goal for a row: a bound on the ratio, or on the
// figure itself.
type Target struct {
	OnFigure bool    // bound the figure instead of the ratio
	AtMost   bool    // an upper bound; otherwise a lower one
	Bound    float64 // zero: no target
}

func (t Target) set() bool { return t.Bound != 0 }

// met reports whether r meets the target.
func (t Target) met(r Row) bool {
	v := r.Figure.V
	if !t.OnFigure {
		v, _ = r.Ratio()
	}
	if t.AtMost {
		return v <= t.Bound
	}
	return v >= t.Bound
}

func (t Target) text(unit string) string {
	op := "≥"
	if t.AtMost {
		op = "≤"
	}
	if t.OnFigure {
		return fmt.Sprintf("%s %g %s", op, t.Bound, unit)
	}
	return fmt.Sprintf("ratio %s %.2f", op, t.Bound)
}

// Row is one line of the report.
type Row struct {
	Scenario string
	Figure   Value
	Baseline Value
	// BaselineName says what the baseline measured.
	BaselineName string
	Target       Target
	Note         string
	// Err is why the scenario produced no figure.
	Err error
}

// Ratio is Figure over Baseline, when there is a baseline.
func (r Row) Ratio() (float64, bool) {
	if r.Err != nil || r.Baseline.Unit == "" || r.Baseline.V == 0 {
		return 0, false
	}
	return r.Figure.V / r.Baseline.V, true
}

// failedRow is the row of a scenario that could not be measured.
func failedRow(scenario string, err error) Row {
	return Row{Scenario: scenario, Err: err}
}

// Meta describes the run at the top of the report.
type Meta struct {
	Started  time.Time
	Elapsed  time.Duration
	Host     string
	CPUs     int
	Go       string
	Strata   string
	Settings string
}

// writeMarkdown writes the report: a header, then one table row per Row.
func writeMarkdown(w io.Writer, m Meta, rows []Row) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Strata benchmark, %s\n\n", m.Started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Host %s, %d CPUs, %s; %s; the suite took %s.  \n", m.Host, m.CPUs, m.Go, m.Strata, m.Elapsed.Round(time.Second))
	fmt.Fprintf(&b, "Settings: %s.  \n", m.Settings)
	b.WriteString("Each figure is compared with a baseline measured on the same machine in the same run; " +
		"ratio = figure / baseline. MB is 10^6 bytes. Reproduce with `make bench`.\n\n")
	b.WriteString("| scenario | figure | baseline | ratio | target | note |\n")
	b.WriteString("|---|---:|---|---:|---|---|\n")
	for _, r := range rows {
		b.WriteString(markdownRow(r))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func markdownRow(r Row) string {
	if r.Err != nil {
		return fmt.Sprintf("| %s | — | — | — | %s | **failed**: %s |\n",
			cell(r.Scenario), cell(targetText(r)), cell(r.Err.Error()))
	}
	baseline := "—"
	if r.Baseline.Unit != "" {
		baseline = r.Baseline.String() + " " + r.BaselineName
	} else if r.BaselineName != "" {
		baseline = r.BaselineName
	}
	ratio := "—"
	if v, ok := r.Ratio(); ok {
		ratio = fmt.Sprintf("%.2f", v)
	}
	target := targetText(r)
	if r.Target.set() {
		if r.Target.met(r) {
			target += " (met)"
		} else {
			target += " (**missed**)"
		}
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s |\n",
		cell(r.Scenario), r.Figure, cell(baseline), ratio, cell(target), cell(r.Note))
}

func targetText(r Row) string {
	if !r.Target.set() {
		return ""
	}
	return r.Target.text(r.Figure.Unit)
}

// cell makes text safe inside a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.Join(strings.Fields(s), " ")
}

// saveReport writes the report to dir/<date>.md and dir/latest.md and
// returns the dated file's path.
func saveReport(dir string, m Meta, rows []Row) (string, error) {
	var b strings.Builder
	if err := writeMarkdown(&b, m, rows); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("suite: create results directory: %w", err)
	}
	dated := filepath.Join(dir, m.Started.UTC().Format("2006-01-02")+".md")
	for _, p := range []string{dated, filepath.Join(dir, "latest.md")} {
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return "", fmt.Errorf("suite: write report: %w", err)
		}
	}
	return dated, nil
}
