package epcis

import (
	"encoding/json"
	"testing"
)

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	tests := map[string]string{
		"plain":           "urn:epc:id:sgtin:0614141.107346.2017",
		"quotes":          `a "quoted" \ back`,
		"controls":        "tab\tnewline\nreturn\rbell\x07 backspace\b formfeed\f",
		"html":            "<a href='x?y=1&z=2'>",
		"invalid utf-8":   "ok\xffbad\xc3",
		"line separators": "a\u2028b\u2029c",
		"multibyte":       "Müller 株式会社 💊",
		"empty":           "",
	}
	for name, s := range tests {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendJSONString(nil, s); string(got) != string(want) {
				t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
			}
		})
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("a\u2028<b>\xff\"")
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendJSONString(nil, s); string(got) != string(want) {
			t.Errorf("AppendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}
