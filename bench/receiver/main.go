// Command receiver is the minimal webhook receiver the trigger benchmark
// posts to: it reads each body and answers 200 {"received":true}. It prints
// its listening address on the first line of stdout.
//
//	go run ./bench/receiver -addr 127.0.0.1:0
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("receiver: %v", err)
	}
	fmt.Println(ln.Addr().String())
	ack := []byte(`{"received":true}`)
	var conns atomic.Int64
	srv := &http.Server{
		// Counts the connections clients open, for checking that a client
		// keeps its connections alive: GET /conns answers the count.
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/conns" {
				fmt.Fprintln(w, conns.Load())
				return
			}
			io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
			w.Header().Set("Content-Type", "application/json")
			w.Write(ack)
		}),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	log.Fatal(srv.Serve(ln))
}
