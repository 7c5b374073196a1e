package recorder

import (
	"strings"
	"testing"
)

// TestRedact_SecretQueryParameters: secret-looking query parameters are
// redacted in URLs, error text, header values and bodies (also where JSON
// wrote "&" as \u0026); other parameters and look-alike names stay.
func TestRedact_SecretQueryParameters(t *testing.T) {
	for in, want := range map[string]string{
		"https://x.test/h?token=t1&team=blue":                         "https://x.test/h?token=[redacted]&team=blue",
		"https://x.test/h?team=blue&api_key=k1#frag":                  "https://x.test/h?team=blue&api_key=[redacted]#frag",
		"https://x.test/h?Access_Token=a1&KEY=k2&Signature=s1":        "https://x.test/h?Access_Token=[redacted]&KEY=[redacted]&Signature=[redacted]",
		"https://x.test/h?password=p&pwd=p&secret=s&client_secret=c":  "https://x.test/h?password=[redacted]&pwd=[redacted]&secret=[redacted]&client_secret=[redacted]",
		"https://x.test/h?X-Amz-Signature=s&X-Amz-Credential=c&sig=g": "https://x.test/h?X-Amz-Signature=[redacted]&X-Amz-Credential=[redacted]&sig=[redacted]",
		"https://x.test/h?apikey=k&auth=a&session=s":                  "https://x.test/h?apikey=[redacted]&auth=[redacted]&session=[redacted]",
		"https://x.test/h?monkey=1&keyboard=2&tokens=3&page=4":        "https://x.test/h?monkey=1&keyboard=2&tokens=3&page=4",
		`Post "http://x.test/h?token=t1": connection refused`:         `Post "http://x.test/h?token=[redacted]": connection refused`,
		`{"target":"http://x.test/h?a=1\u0026token=t1\u0026b=2"}`:     `{"target":"http://x.test/h?a=1\u0026token=[redacted]\u0026b=2"}`,
		"no query here, token=t1":                                     "no query here, token=t1",
	} {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%s)\n = %s\nwant %s", in, got, want)
		}
	}
	ex := sampleExchange(1)
	ex.Target = "http://u:pw@x.test/h?token=t-target"
	ex.Request.URL = ex.Target
	ex.Error = `Post "http://x.test/h?api_key=t-error": EOF`
	ex.Request.Body = Body(`{"target_url":"https://x.test/?secret=t-body"}`)
	ex.Response.Headers = map[string][]string{"Location": {"https://x.test/next?access_token=t-header"}}
	b, _ := encodeRedacted(nil, ex, newRedactor(nil))
	for _, leak := range []string{"t-target", "t-error", "t-body", "t-header", ":pw@"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("the log line holds %q:\n%s", leak, b)
		}
	}
}
