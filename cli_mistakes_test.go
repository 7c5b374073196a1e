package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// A mistyped command, event or flag gets the nearest names; a bad flag
// value is explained in one sentence, never with a parser's message.
func TestMistakes_SuggestAndExplain(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"triger"}, `unknown command "triger" (did you mean trigger?)`},
		{[]string{"delivries"}, `(did you mean deliveries?)`},
		{[]string{"deliveries", "sho"}, `unknown psbox deliveries command "sho" (did you mean show?); run 'psbox deliveries --help'`},
		{[]string{"serve", "8484"}, `psbox serve takes no arguments (got "8484"); see 'psbox serve --help'`},
		{[]string{"trigger", "aplication_created", "--to", "http://127.0.0.1:1/"}, `unknown event "aplication_created" (did you mean application.created, application_created?)`},
		{[]string{"trigger", "APPLICATION_CREATED", "--to", "http://127.0.0.1:1/"}, `did you mean application.created, application_created?`},
		{[]string{"trigger", "application-created", "--to", "http://127.0.0.1:1/"}, `did you mean application.created, application_created?`},
		{[]string{"events", "show", "customer_update"}, `did you mean customer.updated, customer_updated?`},
		{[]string{"deliveries", "--event", "aplication_approved"}, `did you mean application.approved, application_approved?`},
		{[]string{"trigger", "x", "--count", "abc"}, `--count "abc": give a whole number, such as 3`},
		{[]string{"trigger", "x", "--timeout", "5"}, `--timeout "5": give a duration with its unit, such as 500ms, 5s or 2m`},
		{[]string{"trigger", "x", "--rate", "fast"}, `--rate "fast": give a number, such as 2.5`},
		{[]string{"trigger", "x", "--conut", "3"}, `unknown flag: --conut (did you mean --count?)`},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(tc.args, "--state", t.TempDir()), strings.NewReader(""), &out, &errb)
		msg := errb.String()
		if code != 2 || !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSpace(msg), "\n") != 0 ||
			strings.Contains(msg, "strconv.") || strings.Contains(msg, "time: ") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and one line with %q", tc.args, code, msg, tc.want)
		}
	}
}
