package recorder

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"maps"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/psbox-dev/psbox/internal/handwritten"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/). psbox's own
// fields start with "_", as the spec allows.
type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string      `json:"startedDateTime"`
	Time            float64     `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	ID              string      `json:"_id"`
	Kind            Kind        `json:"_kind,omitempty"`
	DeliveryID      string      `json:"_deliveryId,omitempty"`
	Event           string      `json:"_event,omitempty"`
	Attempt         int         `json:"_attempt,omitempty"`
	ReplayOf        string      `json:"_replayOf,omitempty"`
	Error           string      `json:"_error,omitempty"`
	ErrorReason     string      `json:"_errorReason,omitempty"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string       `json:"method"`
	URL         string       `json:"url"`
	HTTPVersion string       `json:"httpVersion"`
	Cookies     []harNV      `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize int          `json:"headersSize"`
	BodySize    int          `json:"bodySize"`
	Truncated   bool         `json:"_truncated,omitempty"`
}

type harPostData struct {
	MimeType string  `json:"mimeType"`
	Params   []harNV `json:"params"`
	Text     string  `json:"text"`
	Encoding string  `json:"_encoding,omitempty"`
}

type harResponse struct {
	Status      int        `json:"status"`
	StatusText  string     `json:"statusText"`
	HTTPVersion string     `json:"httpVersion"`
	Cookies     []harNV    `json:"cookies"`
	Headers     []harNV    `json:"headers"`
	Content     harContent `json:"content"`
	RedirectURL string     `json:"redirectURL"`
	HeadersSize int        `json:"headersSize"`
	BodySize    int        `json:"bodySize"`
	Truncated   bool       `json:"_truncated,omitempty"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// ListJSONL writes the exchanges f selects, newest first as List finds
// them, one line each in the log's own format, without decoding them.
func ListJSONL(w io.Writer, s *Store, f Filter) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	s.scanBack(f, func(_ string, _ int64, line []byte, _ *Summary) error {
		bw.Write(line)
		return bw.WriteByte('\n')
	})
	return bw.Flush()
}

// ExportJSONL writes the exchanges f selects, oldest first, one line each
// in the log's own format (redacted when recorded), reading the log one
// record at a time. Without a filter nothing of a line is decoded: the
// export is the log's records as they are. It returns how many it wrote.
func ExportJSONL(w io.Writer, s *Store, f Filter) (int, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	n := 0
	err := s.scan(f, false, func(line []byte, _ *Summary) error {
		n++
		bw.Write(line)
		return bw.WriteByte('\n')
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// ExportHAR writes the exchanges f selects, oldest first, as one HAR 1.2
// document, redacted, streamed: records are read in batches, converted on
// every core and written in the log's order, so memory stays that of a few
// batches whatever the size of the log. A record as the Store writes it,
// already redacted, is converted by copying its JSON (appendHAREntry);
// any other is decoded, redacted again with the Store's rules and encoded
// (harEntryJSON). creator names the tool, e.g. "psbox/0.1.0" ("name/version"
// or "name version"). Browser devtools and HTTP tools open it. Attempts
// that got no answer have response status 0 and the reason in "_error" and
// "_errorReason".
func ExportHAR(w io.Writer, s *Store, f Filter, creator string) (int, error) {
	h := newHARWriter(w, creator)
	workers := max(1, runtime.GOMAXPROCS(0))
	const batchLines, batchBytes = 512, 1 << 20
	// A batch goes to a worker and, in the order it was read, to the
	// writer, which waits for its entries; free holds spent batches.
	type batch struct {
		lines []byte // the records, back to back
		ends  []int  // where each ends in lines
		out   []byte // the entries, each after ",\n"
		n     int    // how many
		err   error  // of the first entry that failed to encode
		done  chan struct{}
	}
	jobs := make(chan *batch, workers)
	order := make(chan *batch, 2*workers)
	free := make(chan *batch, 3*workers+2)
	fast := handwritten.On(handwritten.HARLine)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range jobs {
				b.out, b.n, b.err = b.out[:0], 0, nil
				start := 0
				for _, end := range b.ends {
					line := b.lines[start:end]
					start = end
					b.out = append(b.out, ",\n"...)
					ok := false
					if fast {
						b.out, ok = appendHAREntry(b.out, line, s.redactor)
					}
					if !ok {
						var ex Exchange
						if err := json.Unmarshal(line, &ex); err != nil {
							b.out = b.out[:len(b.out)-2]
							continue // the scan already warned about unreadable lines; this one has a damaged value
						}
						e, err := harEntryJSON(s.redactor.exchange(ex))
						if err != nil {
							b.err = err
							break
						}
						b.out = append(b.out, e...)
					}
					b.n++
				}
				close(b.done)
			}
		})
	}
	var (
		n       int
		werr    error
		written = make(chan struct{})
	)
	go func() { // the one writer, in order
		defer close(written)
		for b := range order {
			<-b.done
			if b.err != nil && werr == nil {
				werr = b.err
			}
			h.entries(b.out, b.n)
			n += b.n
			select {
			case free <- b:
			default:
			}
		}
	}()
	next := func() *batch {
		select {
		case b := <-free:
			b.lines, b.ends, b.done = b.lines[:0], b.ends[:0], make(chan struct{})
			return b
		default:
			return &batch{lines: make([]byte, 0, batchBytes+64<<10), done: make(chan struct{})}
		}
	}
	cur := next()
	send := func() {
		order <- cur
		jobs <- cur
		cur = next()
	}
	err := s.scan(f, false, func(line []byte, _ *Summary) error {
		cur.lines = append(cur.lines, line...)
		cur.ends = append(cur.ends, len(cur.lines))
		if len(cur.ends) == batchLines || len(cur.lines) >= batchBytes {
			send()
		}
		return nil
	})
	if len(cur.ends) > 0 {
		send()
	}
	close(jobs)
	close(order)
	wg.Wait()
	<-written
	if err == nil {
		err = werr
	}
	if err != nil {
		return n, err
	}
	return n, h.close()
}

// harWriter writes a HAR document as a stream: the head, each entry as
// one compact JSON object on its own line, then the tail. The result is
// the same document encoding/json would write, less the indentation.
type harWriter struct {
	bw  *bufio.Writer
	n   int
	err error
}

func newHARWriter(w io.Writer, creator string) *harWriter {
	name, ver, _ := strings.Cut(creator, "/")
	if !strings.Contains(creator, "/") {
		name, ver, _ = strings.Cut(creator, " ")
	}
	h := &harWriter{bw: bufio.NewWriterSize(w, 256<<10)}
	head, err := json.Marshal(harCreator{Name: name, Version: ver})
	h.err = err
	h.bw.WriteString(`{"log":{"version":"1.2","creator":`)
	h.bw.Write(head)
	h.bw.WriteString(`,"entries":[`)
	return h
}

// entries writes n entries, each after ",\n" (the first of the document
// without its comma).
func (h *harWriter) entries(e []byte, n int) {
	if n == 0 {
		return
	}
	if h.n == 0 {
		e = e[1:]
	}
	h.n += n
	h.bw.Write(e)
}

func (h *harWriter) close() error {
	if h.n > 0 {
		h.bw.WriteString("\n")
	}
	h.bw.WriteString("]}}\n")
	if h.err != nil {
		return h.err
	}
	return h.bw.Flush()
}

func harEntryJSON(ex Exchange) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(harEntryOf(ex)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

func harEntryOf(ex Exchange) harEntry {
	ms := float64(ex.Duration) / float64(time.Millisecond)
	if ms < 0 {
		ms = 0
	}
	e := harEntry{
		StartedDateTime: ex.Start.UTC().Format("2006-01-02T15:04:05.000Z07:00"),
		Time:            ms,
		Timings:         harTimings{Send: 0, Wait: ms, Receive: 0},
		ID:              ex.ID,
		Kind:            ex.Kind,
		DeliveryID:      ex.DeliveryID,
		Event:           ex.Event,
		Attempt:         ex.Attempt,
		ReplayOf:        ex.ReplayOf,
		Error:           ex.Error,
		ErrorReason:     ex.ErrorReason,
	}
	req := harRequest{
		Method:      ex.Request.Method,
		URL:         ex.Request.URL,
		HTTPVersion: "HTTP/1.1",
		Cookies:     []harNV{},
		Headers:     harHeaders(ex.Request.Headers),
		QueryString: []harNV{},
		HeadersSize: -1,
		BodySize:    len(ex.Request.Body),
		Truncated:   ex.Request.Truncated,
	}
	if req.Method == "" {
		req.Method = "POST"
	}
	req.QueryString = append(req.QueryString, harQuery(ex.Request.URL)...)
	if len(ex.Request.Body) > 0 {
		text, enc := bodyText(ex.Request.Body)
		req.PostData = &harPostData{MimeType: headerValue(ex.Request.Headers, "Content-Type"), Params: []harNV{}, Text: text, Encoding: enc}
	}
	e.Request = req

	resp := harResponse{
		Cookies:     []harNV{},
		Headers:     []harNV{},
		HeadersSize: -1,
		Content:     harContent{MimeType: "x-unknown"},
	}
	if r := ex.Response; r != nil {
		resp.Status = r.Status
		resp.StatusText = statusText(r.Status)
		resp.HTTPVersion = "HTTP/1.1"
		resp.Headers = harHeaders(r.Headers)
		resp.BodySize = len(r.Body)
		resp.Truncated = r.Truncated
		resp.RedirectURL = headerValue(r.Headers, "Location")
		if ct := headerValue(r.Headers, "Content-Type"); ct != "" {
			resp.Content.MimeType = ct
		}
		resp.Content.Size = len(r.Body)
		resp.Content.Text, resp.Content.Encoding = bodyText(r.Body)
	}
	e.Response = resp
	return e
}

// harQuery lists the query parameters of a URL, sorted by name.
func harQuery(rawURL string) []harNV {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	q := u.Query()
	var out []harNV
	for _, k := range slices.Sorted(maps.Keys(q)) {
		for _, v := range q[k] {
			out = append(out, harNV{k, v})
		}
	}
	return out
}

func bodyText(b Body) (text, encoding string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return base64.StdEncoding.EncodeToString(b), "base64"
}

// harHeaders lists headers sorted by name, so exports are stable.
func harHeaders(h map[string][]string) []harNV {
	out := []harNV{}
	for _, k := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[k] {
			out = append(out, harNV{k, v})
		}
	}
	return out
}

func headerValue(h map[string][]string, name string) string {
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// statusText avoids importing net/http (fixtures imports this package and
// must stay free of it) for the common codes.
func statusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 204:
		return "No Content"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 304:
		return "Not Modified"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 413:
		return "Request Entity Too Large"
	case 415:
		return "Unsupported Media Type"
	case 422:
		return "Unprocessable Entity"
	case 429:
		return "Too Many Requests"
	case 500:
		return "Internal Server Error"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	}
	return ""
}
