package ui

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/psbox-dev/psbox/recorder"
)

// realisticExchanges makes n delivery attempts shaped like real ones: a
// ~600-byte PartnerStack payload of its own, request and response headers.
func realisticExchanges(n int) []recorder.Exchange {
	events := []string{"application_created", "application_approved", "partnership_created", "customer_updated"}
	list := make([]recorder.Exchange, n)
	for i := range list {
		body := fmt.Sprintf(`{"data":{"key":"appl_%014d","email":"partner%d@example.com","first_name":"Jane","last_name":"Doe","company":"Acme %d","created_at":%d,"updated_at":%d,"approved":null,"meta":{"website":"https://acme%d.example.com","country":"CA","partner_type":"affiliate"},"group":{"key":"group_default","name":"Default"},"form_data":{"how_did_you_hear":"search","audience_size":"1000-5000","notes":"Interested in the program, we run a newsletter about SaaS tools."}},"event":%q,"id":"evt_%014d","created_at":%d}`,
			i, i, i, 1700000000000+i, 1700000000000+i, i, events[i%4], i, 1700000000000+i)
		status := []int{200, 200, 200, 500, 404, 200}[i%6]
		ex := exchange(i+1, events[i%4], status, body)
		ex.Request.Headers["X-Psbox-Delivery"] = []string{ex.DeliveryID}
		ex.Request.Headers["X-Psbox-Event"] = []string{ex.Event}
		ex.Response.Headers["Date"] = []string{"Sat, 14 Mar 2026 09:26:53 GMT"}
		ex.Response.Headers["Content-Length"] = []string{"11"}
		list[i] = ex
	}
	return list
}

func loadedModel(b testing.TB, list []recorder.Exchange, w, h int) Model {
	var m tea.Model = New(Options{Context: context.Background()})
	m, _ = m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m, _ = m.Update(followed(list...))
	m, _ = m.Update(press("3"))
	return m.(Model)
}

// BenchmarkDeliveriesView: one frame of the Deliveries screen over 100,000
// exchanges (bar: under 5 ms).
func BenchmarkDeliveriesView(b *testing.B) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			m := loadedModel(b, realisticExchanges(100_000), size[0], size[1])
			m.deliveries.cursor, m.deliveries.offset = window(50_000, 50_000, m.deliveries.listHeight(), m.deliveries.rows())
			for b.Loop() {
				_ = m.View()
			}
			if per := b.Elapsed() / time.Duration(b.N); per > 5*time.Millisecond {
				b.Errorf("View takes %s a frame, over the 5 ms bar", per)
			}
		})
	}
}

// BenchmarkDeliveriesLiveAppend: one exchange arriving while 100,000 are
// listed and a filter is on, plus the frame it causes.
func BenchmarkDeliveriesLiveAppend(b *testing.B) {
	m := loadedModel(b, realisticExchanges(100_000), 100, 30)
	m.deliveries.applyFilter(parseFilter("failed"))
	extra := realisticExchanges(1)[0]
	i := 200_000
	for b.Loop() {
		i++
		extra.ID = fmt.Sprintf("ex_%08d", i)
		var tm tea.Model
		tm, _ = m.Update(followed(extra))
		m = tm.(Model)
		_ = m.View()
	}
}

// BenchmarkDeliveriesFilter100k: applying a filter over 100,000 exchanges.
func BenchmarkDeliveriesFilter100k(b *testing.B) {
	m := loadedModel(b, realisticExchanges(100_000), 100, 30)
	f := parseFilter("application 5xx")
	for b.Loop() {
		m.deliveries.applyFilter(f)
	}
}

// BenchmarkDeliveriesHeap100k reports the heap in use with 100,000
// exchanges loaded into the model (bar: under 200 MB), and for scale what
// the same exchanges take when held in full.
func BenchmarkDeliveriesHeap100k(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, afterData, afterModel runtime.MemStats
		runtime.ReadMemStats(&before)
		list := realisticExchanges(100_000)
		runtime.GC()
		runtime.ReadMemStats(&afterData)
		m := loadedModel(b, list, 100, 30)
		list = nil
		runtime.GC()
		runtime.ReadMemStats(&afterModel)
		total := float64(afterModel.HeapInuse) / (1 << 20)
		b.ReportMetric(total, "heap-MB")
		// for scale: the same exchanges held in full (the model keeps summaries)
		b.ReportMetric(float64(afterData.HeapInuse-min(afterData.HeapInuse, before.HeapInuse))/(1<<20), "full-exchanges-MB")
		if total > 200 {
			b.Errorf("heap in use %.0f MB with 100,000 exchanges, over the 200 MB bar", total)
		}
		runtime.KeepAlive(m)
	}
}

// BenchmarkDeliveriesFollow1M: with 1,000,000 exchanges listed, one frame
// after a 100 ms poll brought 1,000 more (the log growing by 10,000 a
// second): Update with the batch, then View. Reports the frame time.
func BenchmarkDeliveriesFollow1M(b *testing.B) {
	list := realisticExchanges(1000)
	sums := make([]recorder.Summary, 0, 1_000_000)
	for i := range 1_000_000 {
		sm := recorder.SummaryOf(&list[i%len(list)])
		sm.ID = fmt.Sprintf("ex_%08d", i)
		sums = append(sums, sm)
	}
	var m tea.Model = New(Options{Context: context.Background()})
	m, _ = m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	m, _ = m.Update(press("3"))
	for lo := 0; lo < len(sums); lo += 4096 {
		m, _ = m.Update(exchangesFollowedMsg{batch: recorder.Batch{Summaries: sums[lo:min(lo+4096, len(sums))], CaughtUp: true}})
	}
	sums = nil
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapMB := float64(ms.HeapInuse) / (1 << 20)
	m, _ = m.Update(press("j")) // away from the top: "N new ↑"
	more := make([]recorder.Summary, 1000)
	for i := range more {
		more[i] = recorder.SummaryOf(&list[i])
	}
	batch := recorder.Batch{Summaries: more, CaughtUp: true}
	for b.Loop() {
		m, _ = m.Update(exchangesFollowedMsg{batch: batch})
		_ = m.View()
	}
	if n := m.(Model).deliveries.all.len(); n < 1_000_000 {
		b.Fatalf("%d rows", n)
	}
	b.ReportMetric(heapMB, "heap-MB@1M")
}
