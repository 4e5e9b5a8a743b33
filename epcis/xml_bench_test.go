package epcis

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
)

// xmlBenchObjectEvent is a realistic commissioning ObjectEvent with n EPCs.
func xmlBenchObjectEvent(i, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<ObjectEvent><eventTime>2024-03-01T10:%02d:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset><epcList>`, i%60)
	for j := 0; j < n; j++ {
		fmt.Fprintf(&b, "<epc>urn:epc:id:sgtin:0312345.067890.%d%06d</epc>", i, j)
	}
	b.WriteString(`</epcList><action>ADD</action><bizStep>urn:epcglobal:cbv:bizstep:commissioning</bizStep><disposition>urn:epcglobal:cbv:disp:active</disposition>` +
		`<readPoint><id>urn:epc:id:sgln:0312345.00001.0</id></readPoint><bizLocation><id>urn:epc:id:sgln:0312345.00001.0</id></bizLocation>` +
		`<ilmd><cbvmda:lotNumber>L0042</cbvmda:lotNumber><cbvmda:itemExpirationDate>2027-03-31</cbvmda:itemExpirationDate></ilmd></ObjectEvent>`)
	return b.String()
}

func xmlBenchAggregationEvent(n int) string {
	var b strings.Builder
	b.WriteString(`<AggregationEvent><eventTime>2024-03-01T11:00:00.000+01:00</eventTime><eventTimeZoneOffset>+01:00</eventTimeZoneOffset><parentID>urn:epc:id:sscc:0312345.0000000001</parentID><childEPCs>`)
	for j := 0; j < n; j++ {
		fmt.Fprintf(&b, "<epc>urn:epc:id:sgtin:0312345.067890.%08d</epc>", j)
	}
	b.WriteString(`</childEPCs><action>ADD</action><bizStep>urn:epcglobal:cbv:bizstep:packing</bizStep><disposition>urn:epcglobal:cbv:disp:in_progress</disposition>` +
		`<readPoint><id>urn:epc:id:sgln:0312345.00001.0</id></readPoint></AggregationEvent>`)
	return b.String()
}

func xmlBenchDoc(events ...string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" xmlns:cbvmda="urn:epcglobal:cbv:mda" schemaVersion="2.0" creationDate="2024-03-01T12:00:00Z"><EPCISBody><EventList>` +
		strings.Join(events, "\n") + `</EventList></EPCISBody></epcis:EPCISDocument>`)
}

func xmlBenchObjectEventDoc(events, epcs int) []byte {
	evs := make([]string, events)
	for i := range evs {
		evs[i] = xmlBenchObjectEvent(i, epcs)
	}
	return xmlBenchDoc(evs...)
}

type xmlBenchCase struct {
	name   string
	doc    []byte
	events int
	epcs   int
}

func xmlBenchCases() []xmlBenchCase {
	return []xmlBenchCase{
		{"ObjectEvent_10EPC", xmlBenchObjectEventDoc(1, 10), 1, 10},
		{"ObjectEvent_10EPC_x1000", xmlBenchObjectEventDoc(1000, 10), 1000, 10000},
		{"AggregationEvent_1000EPC", xmlBenchDoc(xmlBenchAggregationEvent(1000)), 1, 1000},
	}
}

// BenchmarkDecodeXML measures DecodeXML alone.
func BenchmarkDecodeXML(b *testing.B) {
	for _, c := range xmlBenchCases() {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.doc)))
			b.ReportAllocs()
			cpu, _ := processCPUTime()
			for b.Loop() {
				if _, err := DecodeXML(bytes.NewReader(c.doc)); err != nil {
					b.Fatal(err)
				}
			}
			reportThroughput(b, cpu, c.events, c.epcs)
		})
	}
}

// BenchmarkDecodeValidateHashXML measures the capture path: decode, validate,
// and one hash ID per event.
func BenchmarkDecodeValidateHashXML(b *testing.B) {
	for _, c := range xmlBenchCases() {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.doc)))
			b.ReportAllocs()
			cpu, _ := processCPUTime()
			for b.Loop() {
				d, err := DecodeXML(bytes.NewReader(c.doc))
				if err != nil {
					b.Fatal(err)
				}
				if err := d.Validate(); err != nil {
					b.Fatal(err)
				}
				for i := range d.Events {
					if _, err := HashID(&d.Events[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
			reportThroughput(b, cpu, c.events, c.epcs)
		})
	}
}

// BenchmarkEncodeXML measures EncodeXML of the decoded documents.
func BenchmarkEncodeXML(b *testing.B) {
	for _, c := range xmlBenchCases() {
		d, err := DecodeXML(bytes.NewReader(c.doc))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu, _ := processCPUTime()
			for b.Loop() {
				if err := EncodeXML(io.Discard, d); err != nil {
					b.Fatal(err)
				}
			}
			reportThroughput(b, cpu, c.events, c.epcs)
		})
	}
}

// The alternatives the decoder design was chosen against (see
// BENCHMARKS.md): tokenising with Token (namespace translation and tag
// checks by encoding/xml) versus RawToken (what parseXMLTree uses), and
// xml.Unmarshal into structs.

func BenchmarkXMLTokenizers(b *testing.B) {
	for _, c := range xmlBenchCases() {
		b.Run("RawToken/"+c.name, func(b *testing.B) {
			cpu, _ := processCPUTime()
			for b.Loop() {
				dec := xml.NewDecoder(bytes.NewReader(c.doc))
				for {
					if _, err := dec.RawToken(); err != nil {
						break
					}
				}
			}
			reportThroughput(b, cpu, c.events, c.epcs)
		})
		b.Run("Token/"+c.name, func(b *testing.B) {
			cpu, _ := processCPUTime()
			for b.Loop() {
				dec := xml.NewDecoder(bytes.NewReader(c.doc))
				for {
					if _, err := dec.Token(); err != nil {
						break
					}
				}
			}
			reportThroughput(b, cpu, c.events, c.epcs)
		})
		b.Run("TreeOnly/"+c.name, func(b *testing.B) {
			cpu, _ := processCPUTime()
			for b.Loop() {
				if _, _, err := parseXMLTree(c.doc, DefaultMaxDepth); err != nil {
					b.Fatal(err)
				}
			}
			reportThroughput(b, cpu, c.events, c.epcs)
		})
	}
}

// xmlUnmarshalDoc is the smallest struct mapping xml.Unmarshal needs for the
// benchmark documents (no extensions, no 1.2 wrappers, no error locations).
type xmlUnmarshalDoc struct {
	Events struct {
		Object []struct {
			EventTime string   `xml:"eventTime"`
			Offset    string   `xml:"eventTimeZoneOffset"`
			EPCs      []string `xml:"epcList>epc"`
			Action    string   `xml:"action"`
			BizStep   string   `xml:"bizStep"`
			Disp      string   `xml:"disposition"`
			ReadPoint string   `xml:"readPoint>id"`
			BizLoc    string   `xml:"bizLocation>id"`
			ILMD      struct {
				Any []struct {
					XMLName xml.Name
					Text    string `xml:",chardata"`
				} `xml:",any"`
			} `xml:"ilmd"`
		} `xml:"ObjectEvent"`
		Aggregation []struct {
			EventTime string   `xml:"eventTime"`
			Offset    string   `xml:"eventTimeZoneOffset"`
			Parent    string   `xml:"parentID"`
			Children  []string `xml:"childEPCs>epc"`
			Action    string   `xml:"action"`
			BizStep   string   `xml:"bizStep"`
			Disp      string   `xml:"disposition"`
			ReadPoint string   `xml:"readPoint>id"`
		} `xml:"AggregationEvent"`
	} `xml:"EPCISBody>EventList"`
}

func BenchmarkXMLUnmarshalStructs(b *testing.B) {
	for _, c := range xmlBenchCases() {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu, _ := processCPUTime()
			for b.Loop() {
				var d xmlUnmarshalDoc
				if err := xml.Unmarshal(c.doc, &d); err != nil {
					b.Fatal(err)
				}
			}
			reportThroughput(b, cpu, c.events, c.epcs)
		})
	}
}

// TestBenchmarkDocumentsDecode keeps the benchmark inputs honest: they decode
// to the events and EPCs the rates are computed from.
func TestBenchmarkDocumentsDecode(t *testing.T) {
	for _, c := range xmlBenchCases() {
		t.Run(c.name, func(t *testing.T) {
			d, err := DecodeXML(bytes.NewReader(c.doc))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ev := range d.Events {
				n += len(ev.EPCList) + len(ev.ChildEPCs)
			}
			if len(d.Events) != c.events || n != c.epcs {
				t.Fatalf("%d events, %d EPCs; want %d, %d", len(d.Events), n, c.events, c.epcs)
			}
			var u xmlUnmarshalDoc
			if err := xml.Unmarshal(c.doc, &u); err != nil {
				t.Fatal(err)
			}
			if got := len(u.Events.Object) + len(u.Events.Aggregation); got != c.events {
				t.Fatalf("Unmarshal found %d events, want %d", got, c.events)
			}
		})
	}
}
