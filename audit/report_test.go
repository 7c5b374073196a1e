package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var sample = []Result{
	{ID: "accepts-every-event", Verdict: Pass, Reason: "all 14 confirmed events answered 2xx", Deliveries: []string{"dlv_a", "dlv_b", "dlv_c", "dlv_d", "dlv_e", "dlv_f"}},
	{ID: "unknown-event", Verdict: Warn, Reason: "an unknown event answered 400", Deliveries: []string{"dlv_u"}},
	{ID: "duplicate-once", Verdict: Fail, Reason: "both copies answered 2xx, but acted 2 times | twice", Deliveries: []string{"dlv_d1"}},
	{ID: "signature-valid", Verdict: Skip, Reason: "give --sign and --secret to check signatures"},
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, sample, TextOptions{Header: "psbox audit of http://x (seed 1)", Took: 1234 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	want := `psbox audit of http://x (seed 1)
  pass  accepts-every-event  all 14 confirmed events answered 2xx  [dlv_a dlv_b dlv_c +3 more]
  warn  unknown-event        an unknown event answered 400  [dlv_u]
  fail  duplicate-once       both copies answered 2xx, but acted 2 times | twice  [dlv_d1]
  skip  signature-valid      give --sign and --secret to check signatures
1 passed, 1 warned, 1 failed, 1 skipped (1.234s)
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("scorecard (-want +got):\n%s", diff)
	}
}

func TestWriteJSONLines(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSONLines(&b, sample); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&b)
	var got []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, m)
	}
	if len(got) != len(sample) {
		t.Fatalf("%d lines, want one per check", len(got))
	}
	for i, m := range got {
		if len(m) != 4 || m["id"] != sample[i].ID || m["verdict"] != string(sample[i].Verdict) || m["reason"] != sample[i].Reason {
			t.Errorf("line %d: %v; want exactly id, verdict, reason, deliveries of %+v", i, m, sample[i])
		}
		ids, ok := m["deliveries"].([]any)
		if !ok || len(ids) != len(sample[i].Deliveries) {
			t.Errorf("line %d deliveries %v, want all of %v (an empty list, not null)", i, m["deliveries"], sample[i].Deliveries)
		}
	}
}

func TestWriteJUnit(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJUnit(&b, sample, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name       string `xml:"name,attr"`
				Properties []struct {
					Name  string `xml:"name,attr"`
					Value string `xml:"value,attr"`
				} `xml:"properties>property"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Skipped *struct {
					Message string `xml:"message,attr"`
				} `xml:"skipped"`
				SystemOut string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if doc.Tests != 4 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 1 || len(doc.Suites[0].Cases) != 4 {
		t.Fatalf("totals tests=%d failures=%d skipped=%d:\n%s", doc.Tests, doc.Failures, doc.Skipped, b.String())
	}
	cs := doc.Suites[0].Cases
	for i, c := range cs {
		if c.Name != sample[i].ID || len(c.Properties) == 0 || c.Properties[0].Value != string(sample[i].Verdict) {
			t.Errorf("case %d: %+v; want %s with its verdict as a property", i, c, sample[i].ID)
		}
	}
	if cs[2].Failure == nil || cs[2].Failure.Message != sample[2].Reason {
		t.Errorf("fail: %+v", cs[2])
	}
	if cs[3].Skipped == nil || cs[3].Skipped.Message != sample[3].Reason {
		t.Errorf("skip: %+v", cs[3])
	}
	if cs[1].Failure != nil || cs[1].Skipped != nil || !strings.HasPrefix(cs[1].SystemOut, "WARN: ") {
		t.Errorf("warn is a passing case that says WARN in system-out: %+v", cs[1])
	}
}

func TestWriteMarkdown(t *testing.T) {
	var b bytes.Buffer
	if err := WriteMarkdown(&b, sample, "psbox audit of http://x"); err != nil {
		t.Fatal(err)
	}
	want := "### psbox audit of http://x\n\n" +
		"| Check | Verdict | Reason | Deliveries |\n|---|---|---|---|\n" +
		"| `accepts-every-event` | ✅ pass | all 14 confirmed events answered 2xx | `dlv_a` `dlv_b` `dlv_c` `dlv_d` `dlv_e` +1 more |\n" +
		"| `unknown-event` | ⚠️ warn | an unknown event answered 400 | `dlv_u` |\n" +
		"| `duplicate-once` | ❌ fail | both copies answered 2xx, but acted 2 times \\| twice | `dlv_d1` |\n" +
		"| `signature-valid` | ⏭️ skip | give --sign and --secret to check signatures |  |\n" +
		"\n**1 passed, 1 warned, 1 failed, 1 skipped**\n"
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("markdown (-want +got):\n%s", diff)
	}
}
