package epcis

import (
	"strings"
	"testing"
	"time"
)

func TestHashTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"}, // half to even: 141.5 -> 142
		{"2023-02-02T11:04:03.1425Z", "2023-02-02T11:04:03.142Z"}, // 142.5 -> 142
		{"2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"},
		{"2023-02-02T11:04:03.1425001Z", "2023-02-02T11:04:03.142Z"}, // cut to microseconds first
		{"2023-02-02T11:04:03.9996Z", "2023-02-02T11:04:04.000Z"},    // carries into the second
		{"2005-04-03T20:33:31.116000-06:00", "2005-04-04T02:33:31.116Z"},
		{"2024-01-01T00:00:00+14:00", "2023-12-31T10:00:00.000Z"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ts, err := time.Parse(time.RFC3339Nano, tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := hashTime(ts); got != tt.want {
				t.Errorf("hashTime = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCanonicalValue(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"trimmed", "  OBSERVE \n", "OBSERVE"},
		{"integer", "150", "150"},
		{"trailing zeros", "26.20", "26.2"},
		{"integral decimal", "23.0", "23"},
		{"plus sign", "+7", "7"},
		{"leading zeros", "007", "7"},
		{"small exponent", "0.00001", "1e-05"},
		{"exponent", "1.5E3", "1500"},
		{"underscores", "1_000", "1000"},
		{"not a number", "12a", "12a"},
		{"offset stays", "+01:00", "+01:00"},
		{"CBV URN", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"},
		{"business transaction URN untouched", "urn:epcglobal:cbv:bt:0614141000005:1", "urn:epcglobal:cbv:bt:0614141000005:1"},
		{"SGTIN", "urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017"},
		{"SGTIN serial escaped", "urn:epc:id:sgtin:0614141.107346.a(1)", "https://id.gs1.org/01/10614141073464/21/a%281%29"},
		{"SGLN extension 0", "urn:epc:id:sgln:0614141.00777.0", "https://id.gs1.org/414/0614141007776"},
		{"DL other host", "https://id.example.com/01/10614141073464/21/2017?x=1", "https://id.gs1.org/01/10614141073464/21/2017"},
		{"DL short names", "https://example.com/gtin/10614141073464/ser/2017", "https://id.gs1.org/01/10614141073464/21/2017"},
		{"DL lot dropped with a serial", "https://id.gs1.org/01/10614141073464/10/L1/21/2017", "https://id.gs1.org/01/10614141073464/21/2017"},
		{"DL lot kept alone", "https://id.gs1.org/01/10614141073464/10/L1", "https://id.gs1.org/01/10614141073464/10/L1"},
		{"other URI", "https://ref.gs1.org/cbv/BTT-po", "https://ref.gs1.org/cbv/BTT-po"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canonicalValue(tt.in); got != tt.want {
				t.Errorf("canonicalValue(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatNumber(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"}, {-0.0, "0"}, {26, "26"}, {26.2, "26.2"}, {-3.5, "-3.5"}, {0.1, "0.1"},
		{1e-5, "1e-05"}, {1.5e-7, "1.5e-07"}, {1e20, "100000000000000000000"}, {0.0001, "0.0001"},
	}
	for _, tt := range tests {
		if got := formatNumber(tt.in); got != tt.want {
			t.Errorf("formatNumber(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHashIDInvariants(t *testing.T) {
	base := validObjectEvent()
	baseID, err := HashID(&base)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(baseID, "ni:///sha-256;") || !strings.HasSuffix(baseID, "?ver=CBV2.0") || len(baseID) != len("ni:///sha-256;?ver=CBV2.0")+64 {
		t.Fatalf("malformed hash ID %q", baseID)
	}
	rec := time.Now()
	tests := []struct {
		name   string
		mutate func(*Event)
		same   bool
	}{
		{"eventID ignored", func(e *Event) { e.EventID = "urn:uuid:1" }, true},
		{"recordTime ignored", func(e *Event) { e.RecordTime = &rec }, true},
		{"error declaration ignored", func(e *Event) {
			e.ErrorDeclaration = &ErrorDeclaration{DeclarationTime: rec, Reason: "incorrect_data"}
		}, true},
		{"comment ignored", func(e *Event) {
			e.Extensions = append(e.Extensions, Element{Space: "http://www.w3.org/2000/01/rdf-schema#", Local: "comment", Text: "hi"})
		}, true},
		{"EPC order ignored", func(e *Event) { e.EPCList[0], e.EPCList[1] = e.EPCList[1], e.EPCList[0] }, true},
		{"URN and Digital Link are one EPC", func(e *Event) { e.EPCList[0] = "https://id.gs1.org/01/10614141073464/21/2017" }, true},
		{"CBV URN and short form are one value", func(e *Event) { e.BizStep = "urn:epcglobal:cbv:bizstep:shipping" }, true},
		{"time zone notation ignored", func(e *Event) { e.EventTime = e.EventTime.In(time.FixedZone("x", -5*3600)) }, true},
		{"extension order ignored", func(e *Event) {
			e.Extensions = []Element{{Space: "urn:x:", Local: "b", Text: "2"}, {Space: "urn:x:", Local: "a", Text: "1"}}
		}, false},
		{"different EPC", func(e *Event) { e.EPCList[0] = "urn:epc:id:sgtin:0614141.107346.9999" }, false},
		{"different disposition", func(e *Event) { e.Disposition = "active" }, false},
		{"different time", func(e *Event) { e.EventTime = e.EventTime.Add(time.Millisecond) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validObjectEvent()
			e.EPCList = append([]string(nil), e.EPCList...)
			tt.mutate(&e)
			id, err := HashID(&e)
			if err != nil {
				t.Fatal(err)
			}
			if (id == baseID) != tt.same {
				pre, _ := PreHash(&e)
				t.Fatalf("same hash = %v, want %v\n%s", id == baseID, tt.same, pre)
			}
		})
	}
	t.Run("extension order", func(t *testing.T) {
		a, b := validObjectEvent(), validObjectEvent()
		a.Extensions = []Element{{Space: "urn:x:", Local: "b", Text: "2"}, {Space: "urn:x:", Local: "a", Text: "1"}}
		b.Extensions = []Element{{Space: "urn:x:", Local: "a", Text: "1"}, {Space: "urn:x:", Local: "b", Text: "2"}}
		ha, _ := HashID(&a)
		hb, _ := HashID(&b)
		if ha != hb {
			t.Fatalf("extension order changes the hash")
		}
	})
	t.Run("ignored extension", func(t *testing.T) {
		a := validObjectEvent()
		a.Extensions = append(a.Extensions, Element{Space: "https://repo.example/", Local: "captureID", Text: "42"})
		opts := HashOptions{Ignore: []Name{{Space: "https://repo.example/", Local: "captureID"}}}
		got, _ := opts.HashID(&a)
		if got != baseID {
			t.Fatalf("ignored extension still counts")
		}
	})
	t.Run("no type", func(t *testing.T) {
		if _, err := HashID(&Event{}); err == nil {
			t.Fatalf("hash of an event without a type")
		}
	})
}
