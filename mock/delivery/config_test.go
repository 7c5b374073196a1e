package delivery

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// parseConfig registers the delivery flags on a fresh flag set, parses
// args and validates.
func parseConfig(t *testing.T, args ...string) (*Config, error) {
	t.Helper()
	var c Config
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &c, c.Validate()
}

func TestConfig_StandardWebhooksProfileSetsRetries(t *testing.T) {
	c, err := parseConfig(t, "--retry-backoff", "standard-webhooks")
	if err != nil {
		t.Fatal(err)
	}
	o, _ := c.Options()
	if o.Retries != len(StandardWebhooksSchedule) {
		t.Errorf("retries = %d, want %d", o.Retries, len(StandardWebhooksSchedule))
	}
	c, err = parseConfig(t, "--retry-backoff", "standard-webhooks", "--retries", "2")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Options(); o.Retries != 2 {
		t.Errorf("explicit --retries 2 became %d", o.Retries)
	}
}

func TestConfig_BadValuesNameTheFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--timeout", "0s"}, "--timeout"},
		{[]string{"--retries", "-1"}, "--retries"},
		{[]string{"--retry-backoff", "soon"}, "--retry-backoff"},
		{[]string{"--header", "NoColon"}, "--header"},
		{[]string{"--header", "X-A: a\rB: 1"}, "one-line value"},
		{[]string{"--sign", "rsa", "--secret", "x"}, "signing scheme"},
		{[]string{"--sign", "standard-webhooks", "--secret", "nope"}, "whsec_"},
		{[]string{"--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, "--sign"},
	} {
		_, err := parseConfig(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %q", tc.args, err, tc.want)
		}
	}
}

// The secret may come from the environment, so it need not show in ps;
// it is only read when signing.
func TestConfig_SecretFromEnvironment(t *testing.T) {
	t.Setenv(SecretEnv, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if _, err := parseConfig(t); err != nil {
		t.Fatalf("an unused secret in the environment must not be an error: %v", err)
	}
	c, err := parseConfig(t, "--sign", "standard-webhooks")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Options(); o.Secret != "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" {
		t.Errorf("secret %q, want the environment's", o.Secret)
	}
	c, err = parseConfig(t, "--sign", "hmac-sha256", "--secret", "from-flag")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := c.Options(); o.Secret != "from-flag" {
		t.Errorf("secret %q: --secret must win over the environment", o.Secret)
	}
}

// --header replaces psbox's own User-Agent and Content-Type; a delivery's
// own header replaces the configuration's; X-Psbox-Delivery stays psbox's.
func TestConfig_HeadersReplacePsboxOwn(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))
	defer srv.Close()
	c, err := parseConfig(t, "--header", "User-Agent: my-agent/2", "--header", "content-type: application/vnd.x+json",
		"--header", "X-Team: a", "--header", "X-Psbox-Delivery: mine")
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSender(Options{UserAgent: "psbox/test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r := s.Send(t.Context(), Delivery{ID: "dlv_0123456789abcd", Event: "e", Target: srv.URL, Body: []byte(`{}`),
		Header: http.Header{"X-Team": {"b"}}})
	if !r.OK {
		t.Fatalf("not delivered: %s", r.Err)
	}
	h := <-got
	for name, want := range map[string]string{
		"User-Agent": "my-agent/2", "Content-Type": "application/vnd.x+json", "X-Team": "b", HeaderDelivery: "dlv_0123456789abcd",
	} {
		if vs := h.Values(name); len(vs) != 1 || vs[0] != want {
			t.Errorf("%s = %q, want just %q", name, vs, want)
		}
	}
}

func TestConfig_ZeroValueIsPsboxDefaults(t *testing.T) {
	var c Config
	o, err := c.Options()
	if err != nil {
		t.Fatal(err)
	}
	if o.Timeout != DefaultTimeout || o.Retries != 0 || o.Sign != "" || len(o.Headers) != 0 {
		t.Errorf("zero Config = %+v, want psbox's defaults", o)
	}
}

// The banner line names headers and the scheme, never a value or a secret.
func TestConfig_SummaryHidesSecrets(t *testing.T) {
	c, err := parseConfig(t, "--header", "Authorization: Bearer s3cr3t-token", "--sign", "hmac-sha256", "--secret", "very-secret", "--retries", "2")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Summary()
	if got != "headers Authorization; signed hmac-sha256; timeout 10s; 2 retries" || strings.Contains(got, "s3cr3t") || strings.Contains(got, "very-secret") {
		t.Errorf("Summary = %q", got)
	}
}
