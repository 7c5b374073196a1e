package h1

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// answerOutcome is what a client made of an answer: the error or the
// status, headers and body (and whether reading the body failed).
type answerOutcome struct {
	Err     bool
	Status  int
	Header  http.Header
	Body    string
	BodyErr bool
}

func roundTripOutcome(ctx context.Context, rt http.RoundTripper, url string) answerOutcome {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"event":"application_created"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return answerOutcome{Err: true}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answerOutcome{Status: resp.StatusCode, Header: resp.Header, Body: string(b), BodyErr: err != nil}
}

// FuzzH1MatchesHTTPTransport: for any bytes a receiver answers with (then
// closing the connection), the h1 transport and http.Transport agree on
// the error, status, headers and body.
func FuzzH1MatchesHTTPTransport(f *testing.F) {
	for _, a := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\n\r\nuntil close",
		"HTTP/1.0 201 Created\r\nContent-Type: application/json\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-Trailer: t\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 500 Oops\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 999 Whatever\r\nX: y\r\n\r\n",
		"HTTP/1.1 20 Short\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
		"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
		"HTTP/2.0 200 OK\r\n\r\n",
		"ICY 200 OK\r\n\r\n",
		"",
		"HTTP/1.1 200 OK\r\n",
	} {
		f.Add([]byte(a))
	}
	var answer atomic.Pointer[[]byte]
	srv := newRawServer(f, func(c net.Conn, br *bufio.Reader) {
		if readRequest(br) == nil {
			c.Write(*answer.Load())
		}
	})
	url := srv.url
	f.Fuzz(func(t *testing.T, a []byte) {
		answer.Store(&a)
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		h1 := newTestH1(t)
		std := &http.Transport{DisableCompression: true}
		defer std.CloseIdleConnections()
		got, want := roundTripOutcome(ctx, h1, url), roundTripOutcome(ctx, std, url)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("answer %q:\nh1Transport:    %+v\nhttp.Transport: %+v", a, got, want)
		}
	})
}
