package epcis

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"rxledger/epcis/gs1"
)

// TestFastEPCToDLMatchesGS1 checks that the hot-path converter agrees with
// gs1.EPCToDigitalLink on every input it accepts, and declines what gs1
// rejects.
func TestFastEPCToDLMatchesGS1(t *testing.T) {
	inputs := []string{
		"urn:epc:id:sgtin:0614141.107346.2017",
		"urn:epc:id:sgtin:0614141.107346.2018",
		"urn:epc:id:sgtin:4012345.011111.9876",
		"urn:epc:id:sgtin:061414112345.1.X(1)*+,:;='!_-",
		"urn:epc:id:sgtin:0614141.107346.ABCDEFGHIJKLMNOPQRST",
		"urn:epc:id:sgtin:0614141.107346.ABCDEFGHIJKLMNOPQRSTU", // 21 characters
		"urn:epc:id:sgtin:0614141.107346.",
		"urn:epc:id:sgtin:0614141.10734.1",
		"urn:epc:id:sgtin:06141.41107346.1",
		"urn:epc:id:sgtin:0614141.107346.a%2Fb",
		"urn:epc:id:sgtin:0614141.107346.a/b",
		"urn:epc:id:sscc:0614141.1234567890",
		"urn:epc:id:sscc:0614141.123456789",
		"urn:epc:id:sgln:0614141.00777.0",
		"urn:epc:id:sgln:0614141.07346.1234",
		"urn:epc:id:sgln:061414112345..0",
		"urn:epc:id:sgln:0614141.00777",
		"urn:epc:id:pgln:0614141.00000",
		"urn:epc:id:pgln:061414112345.",
		"urn:epc:id:pgln:0614141.0000",
		"urn:epc:id:grai:0614141.12345.400",
		"https://id.gs1.org/01/10614141073464/21/2017",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const serialChars = "ABCxyz0189!'()*+,-.:;=_"
	for i := 0; i < 2000; i++ {
		cpLen := 6 + rng.IntN(7)
		cp := randomDigits(rng, cpLen)
		serial := make([]byte, 1+rng.IntN(20))
		for j := range serial {
			serial[j] = serialChars[rng.IntN(len(serialChars))]
		}
		inputs = append(inputs,
			fmt.Sprintf("urn:epc:id:sgtin:%s.%s.%s", cp, randomDigits(rng, 13-cpLen), serial),
			fmt.Sprintf("urn:epc:id:sscc:%s.%s", cp, randomDigits(rng, 17-cpLen)),
			fmt.Sprintf("urn:epc:id:sgln:%s.%s.%s", cp, randomDigits(rng, 12-cpLen), serial),
			fmt.Sprintf("urn:epc:id:pgln:%s.%s", cp, randomDigits(rng, 12-cpLen)))
	}
	for _, in := range inputs {
		want, wantErr := gs1.EPCToDigitalLink(in)
		got, ok := fastEPCToDL(in)
		handled := !strings.ContainsAny(in, "%/") && (strings.HasPrefix(in, "urn:epc:id:sgtin:") ||
			strings.HasPrefix(in, "urn:epc:id:sscc:") || strings.HasPrefix(in, "urn:epc:id:sgln:") ||
			strings.HasPrefix(in, "urn:epc:id:pgln:"))
		switch {
		case !ok && wantErr == nil && handled:
			t.Errorf("%s: fast path declines a plain %s that gs1 accepts", in, want)
		case ok && wantErr != nil:
			t.Errorf("%s: fast path accepts (%s), gs1 rejects: %v", in, got, wantErr)
		case ok && got != want:
			t.Errorf("%s: fast path %s, gs1 %s", in, got, want)
		}
	}
}

func randomDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}
