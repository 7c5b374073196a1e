// Command bareclient is the baseline of the trigger benchmark: a bare
// net/http client that POSTs the same JSON payload psbox would send, with
// the same concurrency and a pool sized to it, and prints events per second.
//
//	go run ./bench/bareclient -url http://127.0.0.1:8485/webhooks -body payload.json -count 20000 -concurrency 16
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	url := flag.String("url", "", "receiver URL")
	bodyFile := flag.String("body", "", "JSON payload file (sent compacted)")
	count := flag.Int("count", 20000, "requests to send")
	conc := flag.Int("concurrency", 16, "requests in flight")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the requests to this file")
	flag.Parse()
	raw, err := os.ReadFile(*bodyFile)
	if err != nil {
		log.Fatalf("bareclient: %v", err)
	}
	var body bytes.Buffer
	if err := json.Compact(&body, raw); err != nil {
		log.Fatalf("bareclient: %s is not JSON: %v", *bodyFile, err)
	}
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: *conc, MaxIdleConns: 100},
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatalf("bareclient: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatalf("bareclient: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range *conc {
		wg.Go(func() {
			for next.Add(1) <= int64(*count) {
				req, _ := http.NewRequest(http.MethodPost, *url, bytes.NewReader(body.Bytes()))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("%d requests, %d failed; %.0f events/s over %s\n", *count, failed.Load(), float64(*count)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
}
