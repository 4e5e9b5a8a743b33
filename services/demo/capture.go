package demo

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"rxledger/epcis"
)

// CaptureExampleFile is the name of the example capture document serve
// --demo writes in the data directory for the curl command it prints.
const CaptureExampleFile = "demo-capture.jsonld"

// CaptureExample returns an EPCIS 2.0 document the manufacturer may capture:
// ten new packages of its first product, lot EXA2604, commissioned and
// packed into a new case. Capturing it again adds nothing (same events,
// same hash IDs).
func CaptureExample() *epcis.Document {
	mfr, _ := OrgByMSP(Manufacturer)
	l := Lot{Product: Products()[0], Number: "EXA2604", Expiry: "2028-09-30"}
	for n := 1; n <= 10; n++ {
		l.Serials = append(l.Serials, fmt.Sprintf("4%05d", n))
	}
	sscc := fmt.Sprintf("urn:epc:id:sscc:%s.0%09d", CompanyPrefix, 4001)
	b := storyBuilder{minute: 24 * 60 * 30} // a month after the story's start
	return &epcis.Document{
		SchemaVersion: "2.0",
		CreationDate:  epoch.Add(30 * 24 * time.Hour),
		Events:        []epcis.Event{b.commission(mfr, l), b.pack(mfr, sscc, l.EPCs(l.Serials))},
	}
}

// WriteCaptureExample writes CaptureExample as JSON-LD to path.
func WriteCaptureExample(path string) error {
	var buf bytes.Buffer
	if err := epcis.EncodeJSON(&buf, CaptureExample()); err != nil {
		return fmt.Errorf("encode the example capture: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write the example capture: %w", err)
	}
	return nil
}
