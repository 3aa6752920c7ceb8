package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestProduceKeysAndHeadersThenConsume(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "events", "--partitions", "1")
	in := "trace:t1,user:ann|k1:hello\n" +
		"trace:t2|k2:world\n" +
		"NONE|k3:NONE\n"
	mustCLI(t, addr, in, "produce", "--topic", "events",
		"--property", "parse.key=true", "--property", "key.separator=:",
		"--property", "parse.headers=true", "--property", "headers.delimiter=|",
		"--property", "null.marker=NONE", "--acks", "1", "--compression", "zstd", "--linger", "5ms")

	out := mustCLI(t, addr, "", "consume", "events", "--from-beginning", "--max-messages", "3",
		"--property", "print.key=true", "--property", "print.offset=true", "--property", "print.partition=true",
		"--property", "print.headers=true", "--property", "key.separator=;")
	want := "Partition:0;Offset:0;trace:t1,user:ann;k1;hello\n" +
		"Partition:0;Offset:1;trace:t2;k2;world\n" +
		"Partition:0;Offset:2;NO_HEADERS;k3;null\n"
	if out != want {
		t.Errorf("consume with properties:\n%s\nwant:\n%s", out, want)
	}

	ts := mustCLI(t, addr, "", "consume", "events", "--from-beginning", "--max-messages", "1", "--property", "print.timestamp=true")
	if !strings.HasPrefix(ts, "CreateTime:") || !strings.HasSuffix(ts, "\thello\n") {
		t.Errorf("print.timestamp: %q", ts)
	}
	tmpl := mustCLI(t, addr, "", "consume", "events", "--partition", "0", "--offset", "1", "--max-messages", "1",
		"--format", `{{.Topic}}/{{.Partition}}@{{.Offset}} {{.Key}}={{.Value}}{{range .Headers}} {{.Key}}:{{.Value}}{{end}}`)
	if tmpl != "events/0@1 k2=world trace:t2\n" {
		t.Errorf("--format: %q", tmpl)
	}
}

func TestConsumeJSONOutput(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "bin", "--partitions", "1")
	mustCLI(t, addr, "k\ttext\nb\t\xff\xfe\n", "produce", "bin", "--property", "parse.key=true")
	out := mustCLI(t, addr, "", "consume", "bin", "--from-beginning", "--max-messages", "2", "--output", "json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 JSON lines, got %q", out)
	}
	var recs [2]jsonRecord
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &recs[i]); err != nil {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
	}
	if r := recs[0]; r.Topic != "bin" || *r.Key != "k" || *r.Value != "text" || r.ValueEncoding != "" || r.Offset != 0 || r.Timestamp <= 0 {
		t.Errorf("text record: %+v", r)
	}
	r := recs[1]
	raw, err := base64.StdEncoding.DecodeString(*r.Value)
	if r.ValueEncoding != "base64" || err != nil || string(raw) != "\xff\xfe" || *r.Key != "b" {
		t.Errorf("binary record: %+v", r)
	}
}

func TestProduceErrors(t *testing.T) {
	addr := startCLIBroker(t)
	mustCLI(t, addr, "", "topics", "create", "one", "--partitions", "1")
	failCLI(t, exitNotFound, "missing", "produce", "missing", "--bootstrap-server", addr)
	failCLI(t, exitNotFound, "no partition 5", "produce", "one", "--partition", "5", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "--acks", "produce", "one", "--acks", "2", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "--compression", "produce", "one", "--compression", "brotli", "--bootstrap-server", addr)
	failCLI(t, exitUsage, "no.such", "produce", "one", "--property", "no.such=1", "--bootstrap-server", addr)
	r := runCLI(t, "a:1\nno-separator\n", "produce", "one", "--property", "parse.key=true",
		"--property", "key.separator=:", "--bootstrap-server", addr)
	if exitCode(r.err) != exitUsage || !strings.Contains(r.stderr, "line 2") {
		t.Errorf("line without key separator: %v %q", r.err, r.stderr)
	}
	// The good line before the bad one was still flushed.
	out := mustCLI(t, addr, "", "consume", "one", "--from-beginning", "--max-messages", "1", "--property", "print.key=true")
	if out != "a\t1\n" {
		t.Errorf("record before the bad line: %q", out)
	}
}

func TestConsumeFlagErrors(t *testing.T) {
	addr := startCLIBroker(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"consume", "t", "--offset", "5"}, "--offset needs --partition"},
		{[]string{"consume", "t", "--group", "g", "--partition", "0"}, "--group cannot"},
		{[]string{"consume", "t", "--isolation-level", "dirty"}, "--isolation-level"},
		{[]string{"consume", "t", "--output", "xml"}, "--output"},
		{[]string{"consume", "t", "--format", "{{.Nope"}, "--format"},
		{[]string{"consume", "t", "--max-messages", "many"}, "--max-messages"},
	} {
		failCLI(t, exitUsage, tc.want, append(tc.args, "--bootstrap-server", addr)...)
	}
	failCLI(t, exitNotFound, "nowhere", "consume", "nowhere", "--bootstrap-server", addr)
}

func TestLineFormat(t *testing.T) {
	for _, tc := range []struct {
		props         []string
		line          string
		key, value    string
		nullKey       bool
		headers       string
		wantErrSubstr string
	}{
		{nil, "a\tb", "", "a\tb", true, "", ""},
		{[]string{"parse.key=true"}, "k\tv\tw", "k", "v\tw", false, "", ""},
		{[]string{"parse.key=true", "key.separator=::"}, "k::v", "k", "v", false, "", ""},
		{[]string{"parse.key=true"}, "novalue", "", "", false, "", "no key separator"},
		{[]string{"parse.key=true", "ignore.error=true"}, "novalue", "", "novalue", true, "", ""},
		{[]string{"parse.headers=true", "parse.key=true", "key.separator=:"}, "h:1,g:2\tk:v", "k", "v", false, "h=1,g=2", ""},
		{[]string{"parse.headers=true"}, "h\tv", "", "", false, "", "header key separator"},
		{[]string{"parse.headers=true", "parse.key=true"}, "h:1\tk\tv", "", "", false, "", "headers.delimiter and key.separator"},
		{[]string{"parse.key=maybe"}, "x", "", "", false, "", "true or false"},
	} {
		f, err := parseLineFormat(tc.props)
		var r *recordView
		if err == nil {
			var rec *recordView
			rec, err = viewRecord(f.record(tc.line, 1))
			r = rec
		}
		if tc.wantErrSubstr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErrSubstr) {
				t.Errorf("%v %q: error %v, want %q", tc.props, tc.line, err, tc.wantErrSubstr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v %q: %v", tc.props, tc.line, err)
			continue
		}
		if r.key != tc.key || r.value != tc.value || r.nullKey != tc.nullKey || r.headers != tc.headers {
			t.Errorf("%v %q: got %+v", tc.props, tc.line, *r)
		}
	}
}
