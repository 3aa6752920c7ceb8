package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kgo"
)

// recordPrinter writes one consumed record.
type recordPrinter interface {
	print(w io.Writer, r *kgo.Record) error
}

// kafkaFormatter prints records as Kafka's console consumer does by
// default, with the same --property names: each enabled field in the order
// timestamp, partition, offset, headers, key, value, separated by
// key.separator, ending with line.separator.
type kafkaFormatter struct {
	printTimestamp, printPartition, printOffset, printHeaders, printKey, printValue bool

	keySeparator, lineSeparator, headersSeparator, nullLiteral string
}

// newKafkaFormatter applies repeated --property name=value flags.
func newKafkaFormatter(props []string) (*kafkaFormatter, error) {
	f := &kafkaFormatter{printValue: true, keySeparator: "\t", lineSeparator: "\n",
		headersSeparator: ",", nullLiteral: "null"}
	for _, p := range props {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return nil, usageErrorf("--property %q: want name=value, e.g. --property print.key=true", p)
		}
		if err := f.set(k, v); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *kafkaFormatter) set(k, v string) error {
	flags := map[string]*bool{"print.timestamp": &f.printTimestamp, "print.partition": &f.printPartition,
		"print.offset": &f.printOffset, "print.headers": &f.printHeaders, "print.key": &f.printKey, "print.value": &f.printValue}
	strs := map[string]*string{"key.separator": &f.keySeparator, "line.separator": &f.lineSeparator,
		"headers.separator": &f.headersSeparator, "null.literal": &f.nullLiteral}
	if dst, ok := flags[k]; ok {
		return parseBoolProperty(k, v, dst)
	}
	if dst, ok := strs[k]; ok {
		*dst = v
		return nil
	}
	return usageErrorf("--property %s: unknown; supported are print.key, print.value, print.timestamp, print.partition, "+
		"print.offset, print.headers, key.separator, line.separator, headers.separator, null.literal", k)
}

func (f *kafkaFormatter) print(w io.Writer, r *kgo.Record) error {
	var fields []string
	if f.printTimestamp {
		fields = append(fields, timestampField(r))
	}
	if f.printPartition {
		fields = append(fields, "Partition:"+strconv.Itoa(int(r.Partition)))
	}
	if f.printOffset {
		fields = append(fields, "Offset:"+strconv.FormatInt(r.Offset, 10))
	}
	if f.printHeaders {
		fields = append(fields, f.headers(r.Headers))
	}
	if f.printKey {
		fields = append(fields, f.orNull(r.Key))
	}
	if f.printValue {
		fields = append(fields, f.orNull(r.Value))
	}
	_, err := io.WriteString(w, strings.Join(fields, f.keySeparator)+f.lineSeparator)
	return err
}

func (f *kafkaFormatter) headers(hs []kgo.RecordHeader) string {
	if len(hs) == 0 {
		return "NO_HEADERS"
	}
	parts := make([]string, len(hs))
	for i, h := range hs {
		parts[i] = h.Key + ":" + f.orNull(h.Value)
	}
	return strings.Join(parts, f.headersSeparator)
}

func (f *kafkaFormatter) orNull(b []byte) string {
	if b == nil {
		return f.nullLiteral
	}
	return string(b)
}

// timestampField is Kafka's CreateTime:ms, LogAppendTime:ms or NO_TIMESTAMP.
func timestampField(r *kgo.Record) string {
	switch r.Attrs.TimestampType() {
	case 0:
		return "CreateTime:" + strconv.FormatInt(r.Timestamp.UnixMilli(), 10)
	case 1:
		return "LogAppendTime:" + strconv.FormatInt(r.Timestamp.UnixMilli(), 10)
	}
	return "NO_TIMESTAMP"
}

// formatRecord is what a --format template sees of a record.
type formatRecord struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       string
	Value     string
	Headers   []formatHeader
	Timestamp time.Time
}

// formatHeader is one record header in a --format template.
type formatHeader struct {
	Key   string
	Value string
}

// templatePrinter prints each record through a Go template and a newline.
type templatePrinter struct {
	tmpl *template.Template
}

func newTemplatePrinter(text string) (*templatePrinter, error) {
	t, err := template.New("format").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, usageErrorf("--format: %v", err)
	}
	return &templatePrinter{tmpl: t}, nil
}

func (p *templatePrinter) print(w io.Writer, r *kgo.Record) error {
	fr := formatRecord{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: string(r.Key),
		Value: string(r.Value), Timestamp: r.Timestamp}
	for _, h := range r.Headers {
		fr.Headers = append(fr.Headers, formatHeader{Key: h.Key, Value: string(h.Value)})
	}
	var buf bytes.Buffer
	if err := p.tmpl.Execute(&buf, fr); err != nil {
		return usageErrorf("--format: %v", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// jsonRecord is one line of `consume --output json`. Keys, values and
// header values are strings when valid UTF-8; otherwise base64, with the
// matching *_encoding field set to "base64". Null is JSON null.
type jsonRecord struct {
	Topic         string       `json:"topic"`
	Partition     int32        `json:"partition"`
	Offset        int64        `json:"offset"`
	Timestamp     int64        `json:"timestamp"`
	TimestampType string       `json:"timestamp_type"`
	Key           *string      `json:"key"`
	KeyEncoding   string       `json:"key_encoding,omitempty"`
	Value         *string      `json:"value"`
	ValueEncoding string       `json:"value_encoding,omitempty"`
	Headers       []jsonHeader `json:"headers"`
}

// jsonHeader is one header of a jsonRecord.
type jsonHeader struct {
	Key      string  `json:"key"`
	Value    *string `json:"value"`
	Encoding string  `json:"encoding,omitempty"`
}

// jsonPrinter prints one JSON object per line.
type jsonPrinter struct{}

func (jsonPrinter) print(w io.Writer, r *kgo.Record) error {
	jr := jsonRecord{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
		Timestamp: r.Timestamp.UnixMilli(), TimestampType: timestampType(r), Headers: []jsonHeader{}}
	jr.Key, jr.KeyEncoding = encodeBytes(r.Key)
	jr.Value, jr.ValueEncoding = encodeBytes(r.Value)
	for _, h := range r.Headers {
		v, enc := encodeBytes(h.Value)
		jr.Headers = append(jr.Headers, jsonHeader{Key: h.Key, Value: v, Encoding: enc})
	}
	b, err := json.Marshal(jr)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func timestampType(r *kgo.Record) string {
	switch r.Attrs.TimestampType() {
	case 0:
		return "CreateTime"
	case 1:
		return "LogAppendTime"
	}
	return "NoTimestamp"
}

// encodeBytes is b as a JSON string: text if valid UTF-8, else base64.
func encodeBytes(b []byte) (*string, string) {
	if b == nil {
		return nil, ""
	}
	if utf8.Valid(b) {
		s := string(b)
		return &s, ""
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s, "base64"
}
