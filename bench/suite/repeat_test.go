package main

import (
	"errors"
	"strings"
	"testing"
)

func TestMergeRunsTakesTheMedianRun(t *testing.T) {
	ratio := func(name string, fig, base float64) Row {
		return Row{Scenario: name, Figure: Value{fig, "MB/s"}, Baseline: Value{base, "MB/s"}, Note: "n"}
	}
	p99 := func(ms float64) Row {
		return Row{Scenario: "p99", Figure: Value{ms, "ms"}, Baseline: Value{1, "ms"}, Target: Target{OnFigure: true, AtMost: true, Bound: 10}}
	}
	boom := errors.New("boom")
	runs := [][]Row{
		{ratio("a", 50, 100), p99(30), failedRow("c", boom), failedRow("d", boom)},
		{ratio("a", 90, 100), p99(10), ratio("c", 1, 1), failedRow("d", boom)},
		{ratio("a", 30, 50), p99(20), ratio("c", 3, 1), failedRow("d", boom)},
	}
	got := mergeRuns(runs)
	if len(got) != 4 || got[0].Scenario != "a" || got[1].Scenario != "p99" || got[2].Scenario != "c" || got[3].Scenario != "d" {
		t.Fatalf("merged %+v: want a, p99, c, d in the first run's order", got)
	}
	if got[0].Figure.V != 30 || got[0].Baseline.V != 50 { // ratios 0.5, 0.9, 0.6: the third run
		t.Errorf("a: %+v, want the run with the median ratio (30 of 50)", got[0])
	}
	if !strings.Contains(got[0].Note, "median of 3 runs by ratio (0.5, 0.6, 0.9)") || !strings.HasSuffix(got[0].Note, "; n") {
		t.Errorf("a's note %q: want every run's ratio, then the run's own note", got[0].Note)
	}
	if got[1].Figure.V != 20 || !strings.Contains(got[1].Note, "by figure") {
		t.Errorf("p99: %+v, want the median figure, 20 ms", got[1])
	}
	if got[2].Figure.V != 1 || got[2].Err != nil || !strings.Contains(got[2].Note, "1 run(s) failed: boom") {
		t.Errorf("c: %+v, want the lower middle of the two runs that worked, and the failure noted", got[2])
	}
	if !errors.Is(got[3].Err, boom) {
		t.Errorf("d: %+v, want the failure", got[3])
	}
	if one := mergeRuns(runs[:1]); len(one) != 4 || one[0].Note != "n" {
		t.Errorf("one run merged to %+v, want it unchanged", one)
	}
}
