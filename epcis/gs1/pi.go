package gs1

import (
	"fmt"
	"time"
)

// PI is the DSCSA product identifier: GTIN, serial number, lot and expiry.
type PI struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial,omitempty"`
	Lot    string `json:"lot,omitempty"`
	// Expiry is the (17) date as encoded, YYMMDD; day 00 means the last day
	// of the month.
	Expiry string `json:"expiry,omitempty"`
}

// PIFromElements collects the product identifier from parsed elements: (01)
// is required; (21), (10) and (17) are taken when present. The values are
// expected to be validated already (as the parsers in this package do).
func PIFromElements(elems []Element) (PI, error) {
	var p PI
	for _, e := range elems {
		switch e.AI {
		case "01":
			p.GTIN = e.Value
		case "21":
			p.Serial = e.Value
		case "10":
			p.Lot = e.Value
		case "17":
			p.Expiry = e.Value
		}
	}
	if p.GTIN == "" {
		return PI{}, fmt.Errorf("%w: no GTIN (01)", ErrInvalidIdentifier)
	}
	return p, nil
}

// PI returns the barcode's product identifier, if it holds a GTIN.
func (b *Barcode) PI() (PI, bool) {
	p, err := PIFromElements(b.Elements)
	return p, err == nil
}

// Elements returns the identifier as elements in the order that needs the
// fewest separators: (01), (17), (10), (21).
func (p PI) Elements() []Element {
	elems := []Element{{AI: "01", Value: p.GTIN}}
	if p.Expiry != "" {
		elems = append(elems, Element{AI: "17", Value: p.Expiry})
	}
	if p.Lot != "" {
		elems = append(elems, Element{AI: "10", Value: p.Lot})
	}
	if p.Serial != "" {
		elems = append(elems, Element{AI: "21", Value: p.Serial})
	}
	return elems
}

// Validate checks every field against the AI dictionary.
func (p PI) Validate() error {
	for _, e := range p.Elements() {
		if err := validateAIValue(e.AI, e.Value); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidIdentifier, err)
		}
	}
	return nil
}

// DigitalLink returns the identifier's canonical Digital Link URI.
func (p PI) DigitalLink() (string, error) {
	if err := p.Validate(); err != nil {
		return "", err
	}
	return GenerateDigitalLink(p.Elements(), "")
}

// ExpiryDate returns the expiry as a date (UTC midnight). Day 00 is the last
// day of the month. The century follows GS1 General Specifications 7.12:
// a year more than 50 years after ref's falls in the previous century, one
// 50 or more years before it in the next.
func (p PI) ExpiryDate(ref time.Time) (time.Time, error) {
	if r := lintYymmd0(p.Expiry); !r.ok() {
		return time.Time{}, fmt.Errorf("%w: expiry %q: %s", ErrInvalidIdentifier, p.Expiry, r.code)
	}
	yy := twoDigits(p.Expiry, 0)
	cur := ref.UTC().Year()
	year := cur - cur%100 + yy
	switch diff := yy - cur%100; {
	case diff >= 51:
		year -= 100
	case diff <= -50:
		year += 100
	}
	month := time.Month(twoDigits(p.Expiry, 2))
	day := twoDigits(p.Expiry, 4)
	if day == 0 {
		return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC), nil
}
