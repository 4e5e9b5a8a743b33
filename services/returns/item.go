package returns

import (
	"fmt"

	"rxledger/epcis/gs1"
	"rxledger/services/platform/problem"
	"rxledger/services/verify"
)

// Item is one returned package.
type Item struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial"`
	// Lot and Expiry (YYMMDD) are required: DSCSA's saleable-return
	// verification is of the whole product identifier, and a package whose
	// lot or expiry differs from its record is not the package sold.
	Lot    string `json:"lot"`
	Expiry string `json:"expiry"` // YYMMDD
	// ReturnedBy is the GLN of the party returning the package.
	ReturnedBy string `json:"returnedBy"`
}

// Body is the request body of both endpoints: a single item, or a batch in
// Items.
type Body struct {
	Item
	Items []Item `json:"items,omitempty"`
}

// items returns the body's items, validated.
func (b *Body) items(maxItems int) ([]Item, error) {
	single := b.Item != (Item{})
	switch {
	case single && len(b.Items) > 0:
		return nil, problem.New(problem.Invalid, "give one item's fields or items, not both").At(problem.Location{Field: "items"})
	case !single && len(b.Items) == 0:
		return nil, problem.New(problem.Invalid, "give one item (gtin, serial, lot, expiry as YYMMDD, returnedBy) or items, a list of them").At(problem.Location{Field: "items"})
	case len(b.Items) > maxItems:
		return nil, problem.New(problem.TooLarge, "at most %d items, got %d", maxItems, len(b.Items)).At(problem.Location{Field: "items"})
	}
	if single {
		if err := b.Item.validate(""); err != nil {
			return nil, err
		}
		return []Item{b.Item}, nil
	}
	var invalid []*problem.Error // every wrong item, not only the first
	for i := range b.Items {
		if err := b.Items[i].validate(fmt.Sprintf("items[%d].", i)); err != nil {
			if invalid == nil {
				invalid = make([]*problem.Error, len(b.Items))
			}
			invalid[i] = err
		}
	}
	if p := problem.Items("item", invalid); p != nil {
		return nil, p
	}
	return b.Items, nil
}

func (it *Item) validate(prefix string) *problem.Error {
	switch {
	case it.Lot == "":
		return problem.New(problem.Invalid, "lot is required: a saleable return is verified by its whole product identifier (GTIN, serial, lot, expiry)").
			At(problem.Location{Field: prefix + "lot"})
	case it.Expiry == "":
		return problem.New(problem.Invalid, "expiry (YYMMDD) is required: a saleable return is verified by its whole product identifier (GTIN, serial, lot, expiry)").
			At(problem.Location{Field: prefix + "expiry"})
	}
	r := it.verifyRequest()
	if err := r.Validate(prefix); err != nil {
		return err
	}
	if len(it.ReturnedBy) != 13 || !gs1.ValidCheckDigit(it.ReturnedBy) {
		return problem.New(problem.Invalid, "returnedBy %q is not a 13-digit GLN with a valid check digit", it.ReturnedBy).
			At(problem.Location{Field: prefix + "returnedBy"})
	}
	return nil
}

func (it *Item) verifyRequest() verify.Request {
	return verify.Request{GTIN: it.GTIN, Serial: it.Serial, Lot: it.Lot, Expiry: it.Expiry, Context: "dscsaSaleableReturn"}
}
