package main

import (
	"fmt"
	"slices"
	"strings"
)

// mergeRuns combines the rows of repeated runs of the suite, scenario by
// scenario in the first run's order. A merged row is the run whose ratio
// is the median (its figure for rows without a baseline, or whose target
// bounds the figure), so figure, baseline and ratio stay one run's; its
// note lists every run's value. Runs where a scenario failed are left
// out; a scenario that failed in every run keeps the first failure.
func mergeRuns(runs [][]Row) []Row {
	if len(runs) == 1 {
		return runs[0]
	}
	var order []string
	byScenario := map[string][]Row{}
	for _, rows := range runs {
		for _, r := range rows {
			if _, seen := byScenario[r.Scenario]; !seen {
				order = append(order, r.Scenario)
			}
			byScenario[r.Scenario] = append(byScenario[r.Scenario], r)
		}
	}
	merged := make([]Row, 0, len(order))
	for _, name := range order {
		merged = append(merged, medianRow(byScenario[name]))
	}
	return merged
}

// medianRow is the row of rows (one scenario's, one per run) whose key is
// the median, the lower of the two middle ones for an even count.
func medianRow(rows []Row) Row {
	ok := slices.DeleteFunc(slices.Clone(rows), func(r Row) bool { return r.Err != nil })
	if len(ok) == 0 {
		return rows[0]
	}
	slices.SortStableFunc(ok, func(a, b Row) int {
		ka, kb := mergeKey(a), mergeKey(b)
		switch {
		case ka < kb:
			return -1
		case ka > kb:
			return 1
		}
		return 0
	})
	med := ok[(len(ok)-1)/2]
	values := make([]string, len(ok))
	for i, r := range ok {
		values[i] = fmt.Sprintf("%.3g", mergeKey(r))
	}
	what := "ratio"
	if _, hasRatio := med.Ratio(); !hasRatio || med.Target.OnFigure {
		what = "figure"
	}
	summary := fmt.Sprintf("median of %d runs by %s (%s)", len(ok), what, strings.Join(values, ", "))
	if failed := len(rows) - len(ok); failed > 0 {
		summary += fmt.Sprintf("; %d run(s) failed: %v", failed, firstErr(rows))
	}
	if med.Note == "" {
		med.Note = summary
	} else {
		med.Note = summary + "; " + med.Note
	}
	return med
}

// mergeKey is what medianRow orders a scenario's runs by.
func mergeKey(r Row) float64 {
	if ratio, ok := r.Ratio(); ok && !r.Target.OnFigure {
		return ratio
	}
	return r.Figure.V
}

func firstErr(rows []Row) error {
	for _, r := range rows {
		if r.Err != nil {
			return r.Err
		}
	}
	return nil
}
