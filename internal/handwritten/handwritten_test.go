package handwritten

import "testing"

func TestParse(t *testing.T) {
	if o := parse(""); o != [pieces]bool{} {
		t.Errorf("an empty switch turned %v off", o)
	}
	o := parse("h1, plainbody,nosuch")
	for p, n := range names {
		if want := n == "h1" || n == "plainbody"; o[p] != want {
			t.Errorf("%s off = %v, want %v", n, o[p], want)
		}
	}
	for p := range pieces {
		if off == "" && !On(p) {
			t.Errorf("%s is off in a build that switched nothing off", names[p])
		}
	}
}
