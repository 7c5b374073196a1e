package delivery

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/psbox-dev/psbox/internal/httpheader"
	"github.com/spf13/pflag"
)

// SecretEnv names the environment variable that gives the signing secret
// when --secret is not passed, so the secret need not show in `ps`.
const SecretEnv = "PSBOX_SIGNING_SECRET"

// Config is the one delivery configuration every psbox sender shares:
// extra headers, signing, the deadline per attempt and retries. psbox
// trigger, psbox test, psbox serve (its dispatcher and POST /_psbox/events),
// the terminal UI and psbox deliveries replay all register it with
// AddFlags, so each of them has the same flags with the same help, and all
// build their Sender through NewSender.
//
//	var dc delivery.Config
//	dc.AddFlags(cmd.Flags())
//	...
//	if err := dc.Validate(); err != nil { /* exit 2 */ }
//	s, err := dc.NewSender(delivery.Options{Wrap: record, UserAgent: "psbox/1.0"})
//
// Headers given with --header replace psbox's own headers of the same name
// (User-Agent, Content-Type); X-Psbox-Event, X-Psbox-Delivery and the
// signature headers are always psbox's.
type Config struct {
	Headers         []string      // "Name: value", repeatable (--header)
	Sign            string        // "", SignStandardWebhooks or SignHMACSHA256 (--sign)
	Secret          string        // --secret, else $PSBOX_SIGNING_SECRET when signing
	SignatureHeader string        // header of the hmac-sha256 signature (--signature-header)
	Timeout         time.Duration // per attempt (--timeout)
	Retries         int           // extra attempts (--retries)
	RetryBackoff    string        // a duration, a list or a profile (--retry-backoff)
	AllowPrivate    bool          // allow link-local and metadata destinations (--allow-private)
	InsecureTLS     bool          // skip certificate verification (--insecure)

	// RetriesSet says --retries was given: without it,
	// --retry-backoff standard-webhooks implies its 7 retries. AddFlags
	// fills it from the flag set when Validate runs.
	RetriesSet bool

	flags *pflag.FlagSet
	opts  Options // filled by Validate
	valid bool
}

// AddFlags registers the delivery flags on fs with their defaults and help.
// It is the only place these flags are defined.
func (c *Config) AddFlags(fs *pflag.FlagSet) {
	c.flags = fs
	fs.StringArrayVar(&c.Headers, "header", nil, "extra request header 'Name: value', repeatable; replaces psbox's own header of that name (User-Agent, Content-Type)")
	fs.StringVar(&c.Sign, "sign", "", "sign each request: standard-webhooks or hmac-sha256 (PartnerStack documents no signature)")
	fs.StringVar(&c.Secret, "secret", "", "signing secret (whsec_ + base64 of 24-64 bytes for standard-webhooks); default $"+SecretEnv)
	fs.StringVar(&c.SignatureHeader, "signature-header", DefaultSignatureHeader, "header carrying the hmac-sha256 signature")
	fs.DurationVar(&c.Timeout, "timeout", DefaultTimeout, "deadline per attempt, connect and answer included (psbox's choice)")
	fs.IntVar(&c.Retries, "retries", 0, "extra attempts after a failed one (network error, timeout, 429, 5xx)")
	fs.StringVar(&c.RetryBackoff, "retry-backoff", "default", "waits between attempts: a duration (doubling to 30s), a list 1s,10s,1m, or default, standard-webhooks, none")
	fs.BoolVar(&c.AllowPrivate, "allow-private", false, "allow link-local and cloud metadata destinations (169.254.0.0/16, fe80::/10, fd00:ec2::254)")
	fs.BoolVar(&c.InsecureTLS, "insecure", false, "skip TLS certificate verification (recorded on each attempt)")
}

// Help is the paragraph that explains the delivery configuration, for a
// command's long help. It says which choices are psbox's.
const Help = `Delivery (the same flags on trigger, test, serve, deliveries replay and the UI):
  - POST, Content-Type: application/json, User-Agent: psbox/<version>;
    X-Psbox-Event and X-Psbox-Delivery name the event and the delivery
    (psbox's headers, not PartnerStack's). --header 'Name: value' adds a
    header or replaces psbox's own of that name (User-Agent, Content-Type).
  - a 10s deadline per attempt (--timeout); only 2xx counts as delivered;
    redirects are not followed (a 3xx is a failure)
  - no retries unless --retries N: on a network error, a timeout, 429 or 5xx,
    waiting 1s doubling to 30s (or --retry-backoff: a duration, a list such as
    1s,10s,1m, or a profile: default, standard-webhooks (5s,5m,30m,2h,5h,10h,10h,
    7 retries unless --retries says otherwise), none (no wait)); a Retry-After
    answer is honoured (at most 10m); the delivery id stays the same
  - no signature unless --sign: standard-webhooks (webhook-id,
    webhook-timestamp, webhook-signature headers; --secret whsec_...) or
    hmac-sha256 ("sha256=" + hex HMAC of the body in --signature-header);
    the secret may come from $` + SecretEnv + ` instead of --secret
  - link-local and cloud metadata addresses are refused unless --allow-private;
    TLS certificates are verified unless --insecure
PartnerStack documents no delivery headers, signature, timeout or retry
policy: all of the above are psbox's choices.`

// Validate checks the configuration and resolves it (the environment's
// secret, the retry schedule, the headers). Its errors are user mistakes,
// each naming the flag. NewSender calls it when it has not run.
func (c *Config) Validate() error {
	if c.flags != nil && c.flags.Changed("retries") {
		c.RetriesSet = true
	}
	o := Options{
		Timeout: c.Timeout, Retries: c.Retries,
		Sign: c.Sign, Secret: c.Secret, SignatureHeader: c.SignatureHeader,
		AllowPrivate: c.AllowPrivate, InsecureTLS: c.InsecureTLS,
	}
	// The zero Config is valid: psbox's defaults. Only a --timeout given
	// on the command line must be positive.
	if o.Timeout == 0 && (c.flags == nil || !c.flags.Changed("timeout")) {
		o.Timeout = DefaultTimeout
	}
	backoff := c.RetryBackoff
	if backoff == "" {
		backoff = "default"
	}
	switch {
	case o.Timeout <= 0:
		return fmt.Errorf("--timeout %s: give a positive duration such as 10s", c.Timeout)
	case o.Retries < 0:
		return fmt.Errorf("--retries %d: give 0 or more", c.Retries)
	}
	sched, err := ParseSchedule(backoff)
	if err != nil {
		return fmt.Errorf("--retry-backoff: %w", err)
	}
	o.Schedule = sched
	if !c.RetriesSet && backoff == "standard-webhooks" {
		o.Retries = len(StandardWebhooksSchedule)
	}
	if o.Sign != SignNone && o.Secret == "" {
		o.Secret = os.Getenv(SecretEnv)
	}
	h, err := ParseHeaders(c.Headers)
	if err != nil {
		return err
	}
	o.Headers = h
	if _, err := o.check(); err != nil {
		return err
	}
	c.opts, c.valid = o, true
	return nil
}

// Options returns the validated configuration as sender Options (without
// the per-sender fields: Wrap, Concurrency, UserAgent).
func (c *Config) Options() (Options, error) {
	if !c.valid {
		if err := c.Validate(); err != nil {
			return Options{}, err
		}
	}
	return c.opts, nil
}

// NewSender builds a Sender from the configuration. extra supplies what
// differs between senders: the recording transport (Wrap), the pool size
// (Concurrency) and the User-Agent; its other fields are ignored.
func (c *Config) NewSender(extra Options) (*Sender, error) {
	o, err := c.Options()
	if err != nil {
		return nil, err
	}
	o.Wrap, o.Concurrency, o.UserAgent, o.OnAttempt = extra.Wrap, extra.Concurrency, extra.UserAgent, extra.OnAttempt
	return New(o)
}

// Summary describes the configuration in one line for a start-up banner:
// the header names (never their values, which may be credentials), the
// signing scheme (never the secret), the deadline and the retries.
func (c *Config) Summary() string {
	o, err := c.Options()
	if err != nil {
		return "invalid: " + err.Error()
	}
	var parts []string
	if len(o.Headers) > 0 {
		names := make([]string, 0, len(o.Headers))
		for k := range o.Headers {
			names = append(names, k)
		}
		sort.Strings(names)
		parts = append(parts, "headers "+strings.Join(names, ", "))
	}
	if o.Sign != SignNone {
		parts = append(parts, "signed "+o.Sign)
	} else {
		parts = append(parts, "unsigned")
	}
	parts = append(parts, fmt.Sprintf("timeout %s", o.Timeout), fmt.Sprintf("%d retries", o.Retries))
	return strings.Join(parts, "; ")
}

// ParseHeaders turns "Name: value" strings (--header, or a case file's
// headers) into a header map. Each error names the bad header and shows
// the expected form.
func ParseHeaders(raw []string) (http.Header, error) {
	h := http.Header{}
	for i, s := range raw {
		k, v, ok := strings.Cut(s, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || !httpheader.ValidName(k) {
			// Never echo it: what is not a name may be the value, a credential.
			return nil, fmt.Errorf("--header number %d is not 'Name: value' (a name without spaces, a colon, the value; not shown here, as it may be a secret), e.g. --header 'Authorization: Bearer t0k'", i+1)
		}
		h.Add(k, v)
	}
	if err := checkHeaders(h); err != nil {
		return nil, err
	}
	return h, nil
}

// checkHeaders refuses header names that are not tokens and values with
// control characters, which would fail every delivery.
func checkHeaders(h http.Header) error {
	switch name, value, badName, found := httpheader.Invalid(h); {
	case !found:
		return nil
	case badName:
		return fmt.Errorf("header name %q is not valid; use --header 'Name: value'", name)
	default:
		return fmt.Errorf("header %s has a control character such as a line break in its value (%s; the value is not shown, as it may be a secret); give a one-line value", name, controlAt(value))
	}
}

// controlAt says where the first control character of v is, without
// showing v.
func controlAt(v string) string {
	i := httpheader.ControlIndex(v)
	return fmt.Sprintf("byte %d is 0x%02x", i+1, v[i])
}

// check validates Options as New does, without building a transport, and
// returns the signer they describe (nil for none).
func (o Options) check() (signer, error) {
	if o.Timeout < 0 || o.ConnectTimeout < 0 || o.RetryAfterCap < 0 {
		return nil, errors.New("timeouts must not be negative")
	}
	if o.Retries < 0 {
		return nil, fmt.Errorf("retries must be 0 or more, not %d", o.Retries)
	}
	if o.Concurrency < 0 {
		return nil, fmt.Errorf("concurrency must be 1 or more, not %d", o.Concurrency)
	}
	for _, d := range o.Schedule {
		if d < 0 {
			return nil, errors.New("retry waits must not be negative")
		}
	}
	sg, err := newSigner(o)
	if err != nil {
		return nil, err
	}
	return sg, checkHeaders(o.Headers)
}
