package load

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Scenario makes the requests of one kind of load. Request is called
// concurrently from every worker with a unique, increasing sequence number.
type Scenario interface {
	Name() string
	Request(seq uint64) (*http.Request, error)
	// Check judges a response: nil for a success. body holds at most
	// MaxCheckedBody bytes, and only if NeedsBody reports true.
	Check(status int, body []byte) error
	NeedsBody() bool
}

// MaxCheckedBody bounds the response body handed to Scenario.Check.
const MaxCheckedBody = 1 << 20

// SeqPlaceholder in a Template's URL or body is replaced by the request's
// sequence number, so requests can differ (e.g. serial numbers).
const SeqPlaceholder = "{seq}"

// Template is a generic Scenario: one method, URL and headers, and a body,
// with SeqPlaceholder replaced by the sequence number in the URL and body.
// A response succeeds when its status is Expect (any 2xx if Expect is 0)
// and, if Validate is set, Validate accepts its body.
type Template struct {
	Label    string
	Method   string
	URL      string
	Header   http.Header
	Body     string
	Expect   int
	Validate func(body []byte) error

	urlParts, bodyParts []string
}

// NewTemplate checks t (the URL must be http:// on a loopback host) and
// returns it ready for use.
func NewTemplate(t Template) (*Template, error) {
	if t.Method == "" {
		t.Method = http.MethodGet
	}
	if err := CheckLoopback(t.URL); err != nil {
		return nil, err
	}
	if t.Label == "" {
		t.Label = t.Method + " " + t.URL
	}
	t.urlParts = strings.Split(t.URL, SeqPlaceholder)
	t.bodyParts = strings.Split(t.Body, SeqPlaceholder)
	return &t, nil
}

// Name returns the template's label.
func (t *Template) Name() string { return t.Label }

// Request builds request seq.
func (t *Template) Request(seq uint64) (*http.Request, error) {
	var body io.Reader
	if t.Body != "" {
		body = bytes.NewReader(fill(t.bodyParts, seq))
	}
	u := t.URL
	if len(t.urlParts) > 1 {
		u = string(fill(t.urlParts, seq))
	}
	req, err := http.NewRequest(t.Method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, vs := range t.Header {
		req.Header[k] = vs
	}
	if t.Body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// NeedsBody reports whether Check reads the body.
func (t *Template) NeedsBody() bool { return t.Validate != nil }

// Check accepts the expected status and, with Validate, a valid body.
func (t *Template) Check(status int, body []byte) error {
	if t.Expect != 0 && status != t.Expect {
		return fmt.Errorf("status %d, want %d", status, t.Expect)
	}
	if t.Expect == 0 && (status < 200 || status > 299) {
		return fmt.Errorf("status %d, want 2xx", status)
	}
	if t.Validate != nil {
		return t.Validate(body)
	}
	return nil
}

// fill joins parts with seq between them.
func fill(parts []string, seq uint64) []byte {
	if len(parts) == 1 {
		return []byte(parts[0])
	}
	var b []byte
	for i, p := range parts {
		if i > 0 {
			b = strconv.AppendUint(b, seq, 10)
		}
		b = append(b, p...)
	}
	return b
}

// CheckLoopback refuses any URL that is not http:// on a loopback address
// (127.0.0.0/8, ::1 or localhost): the tool must never load anyone else's
// server.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse target URL: %w", err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("target %q: only http:// loopback targets are allowed", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("target %q: host %q is not a loopback address; only 127.0.0.1, ::1 and localhost are allowed", raw, host)
}
