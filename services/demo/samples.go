package demo

import "net/url"

// Sample is a demo package to try verification and returns checks with.
type Sample struct {
	GTIN   string `json:"gtin"`
	Serial string `json:"serial"`
	Lot    string `json:"lot"`
	// Expiry is YYMMDD, as AI (17) and the verify API write it.
	Expiry string `json:"expiry"`
	// Holder is the MSP ID of the organisation that owns the package.
	Holder string `json:"holder"`
	// Verify is the verification request path (GS1 LMS) for the package.
	Verify string `json:"verify"`
}

// Samples are a few demo packages in each state the story leaves them in.
type Samples struct {
	// Active packages are at the pharmacy, bought from the wholesaler:
	// verified, and a saleable return to the wholesaler.
	Active []Sample `json:"active"`
	// Dispensed packages were sold to patients.
	Dispensed []Sample `json:"dispensed"`
	// Recalled packages belong to the recalled lot.
	Recalled []Sample `json:"recalled"`
	// Suspect is the package under investigation at the pharmacy.
	Suspect []Sample `json:"suspect"`
	// Returned packages went back from the pharmacy to the wholesaler.
	Returned []Sample `json:"returned"`
}

// StorySamples returns the samples of the demo story.
func StorySamples() Samples {
	lots := Lots()
	l0, l1, lr := lots[0], lots[1], lots[recalledLot]
	return Samples{
		Active:    samples(l0, l0.Serials[firstActive:firstActive+sampleCount], Pharmacy),
		Dispensed: samples(l0, l0.Serials[:min(sampleCount, dispensedCount)], Pharmacy),
		Recalled:  samples(lr, lr.Serials[:sampleCount], Pharmacy),
		Suspect:   samples(l0, l0.Serials[suspectIndex:suspectIndex+1], Pharmacy),
		Returned:  samples(l1, l1.Serials[:returnedCount], Wholesaler),
	}
}

func samples(l Lot, serials []string, holder string) []Sample {
	out := make([]Sample, len(serials))
	for i, s := range serials {
		q := url.Values{"10": {l.Number}, "17": {l.ExpiryYYMMDD()}, "linkType": {"verificationService"}}
		out[i] = Sample{GTIN: l.Product.GTIN, Serial: s, Lot: l.Number, Expiry: l.ExpiryYYMMDD(), Holder: holder,
			Verify: "/verify/01/" + l.Product.GTIN + "/21/" + url.PathEscape(s) + "?" + q.Encode()}
	}
	return out
}
