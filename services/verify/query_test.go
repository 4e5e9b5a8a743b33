package verify

import (
	"net/url"
	"strings"
	"testing"
)

// TestParseLMSQueryAsURLValues checks parseLMSQuery against what
// url.ParseQuery and Values.Get read from the same query.
func TestParseLMSQueryAsURLValues(t *testing.T) {
	for _, raw := range []string{
		"",
		"10=LOT1&17=991231&linkType=verificationService",
		"10=L%2F1&17=991231&reqGLN=0377777000008&corrUUID=a+b&context=dscsaSaleableReturn",
		"10=first&10=second",
		"10=%zz&10=good",        // a bad escape is skipped, the next value counts
		"10=a;b&10=c",           // a pair with a semicolon is skipped
		"1%30=escaped-key&17=x", // the key is unescaped too
		"linkType=gs1%3AverificationService",
		"&&10=&17", // empty pairs, empty values, no '='
		"other=1&10=L&unknown=%zz",
		"corrUUID=%E2%9C%93&context=%20",
		"10==x&17=a=b",
	} {
		t.Run(raw, func(t *testing.T) { checkLMSQuery(t, raw) })
	}
}

// TestParseLMSQueryReadsLongQueries: a query of more pairs than
// url.ParseQuery takes (it then returns no values at all) still has its
// parameters read, so a lot given after the padding is checked.
func TestParseLMSQueryReadsLongQueries(t *testing.T) {
	raw := "10=WRONG&" + strings.Repeat("x=1&", 10000) + "reqGLN=0377777000008"
	if v, err := url.ParseQuery(raw); err == nil || len(v) != 0 {
		t.Logf("url.ParseQuery now takes %d pairs (%d keys, error %v): update parseLMSQuery's comment", 10002, len(v), err)
	}
	if got := parseLMSQuery(raw); got.Lot != "WRONG" || got.ReqGLN != "0377777000008" {
		t.Errorf("parseLMSQuery of a long query = %+v, want its lot and reqGLN", got)
	}
}

func FuzzParseLMSQuery(f *testing.F) {
	f.Add("10=LOT1&17=991231&linkType=verificationService")
	f.Add("10=%zz&10=a+b;c&context=%20")
	f.Fuzz(checkLMSQuery)
}

// checkLMSQuery compares parseLMSQuery with url.ParseQuery and Values.Get.
func checkLMSQuery(t *testing.T, raw string) {
	got := parseLMSQuery(raw)
	got.Repeated, got.Again = "", "" // ParseQuery keeps every value; Get reads the first
	v, _ := url.ParseQuery(raw)
	want := lmsQuery{Lot: v.Get("10"), Expiry: v.Get("17"), LinkType: v.Get("linkType"),
		ReqGLN: v.Get("reqGLN"), CorrUUID: v.Get("corrUUID"), Context: v.Get("context")}
	if got != want {
		t.Errorf("parseLMSQuery(%q) = %+v, want %+v", raw, got, want)
	}
}

// TestParseLMSQueryRepeated: a parameter given again with another value is
// named, the same value again is not.
func TestParseLMSQueryRepeated(t *testing.T) {
	for raw, want := range map[string][2]string{
		"10=LOTA&10=LOTB":                 {"10", "LOTB"},
		"17=280630&10=L&17=991231":        {"17", "991231"},
		"reqGLN=1&reqGLN=1&10=A&10=B":     {"10", "B"},
		"10=L%2F1&10=L/1":                 {"", ""},
		"10=L&17=1&corrUUID=a&corrUUID=a": {"", ""},
		"10=%zz&10=good":                  {"", ""}, // a bad escape is skipped, not a value
	} {
		if got := parseLMSQuery(raw); got.Repeated != want[0] || got.Again != want[1] {
			t.Errorf("%s: repeated %q %q, want %q %q", raw, got.Repeated, got.Again, want[0], want[1])
		}
	}
}
