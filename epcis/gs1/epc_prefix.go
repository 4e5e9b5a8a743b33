package gs1

import "fmt"

// CompanyPrefixLength finds the length of the GS1 Company Prefix inside the
// primary key of a Digital Link URI from partner data: prefixes are the GS1
// Company Prefixes a trading partner holds (6 to 12 digits each). A Digital
// Link does not carry the length, and an EPC URN needs it; the longest prefix
// the key starts with wins. Keys whose data start with an indicator or
// extension digit or a filler zero (GTIN, ITIP, SSCC, GRAI) are matched after
// that digit. Errors wrap ErrInvalidEPC.
func CompanyPrefixLength(dl string, prefixes []string) (int, error) {
	if len(dl) > MaxInputLen {
		return 0, fmt.Errorf("%w: input of %d bytes exceeds %d", ErrInvalidEPC, len(dl), MaxInputLen)
	}
	pairs, err := parseKeyPath(dl)
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrInvalidEPC, err)
	}
	key := pairs[0]
	digits := key.value
	switch key.ai {
	case "01", "00", "8003", "8006":
		digits = digits[1:]
	}
	best := 0
	for _, p := range prefixes {
		if len(p) < 6 || len(p) > 12 || !isDigits(p) || len(p) <= best {
			continue
		}
		if len(digits) >= len(p) && digits[:len(p)] == p {
			best = len(p)
		}
	}
	if best == 0 {
		return 0, fmt.Errorf("%w: (%s) %s starts with none of the %d company prefixes given", ErrInvalidEPC, key.ai, key.value, len(prefixes))
	}
	return best, nil
}

// DigitalLinkToEPCFor is DigitalLinkToEPC with the company prefix length
// taken from a trading partner's GS1 Company Prefixes (see
// CompanyPrefixLength).
func DigitalLinkToEPCFor(dl string, prefixes []string) (string, error) {
	n, err := CompanyPrefixLength(dl, prefixes)
	if err != nil {
		return "", err
	}
	return DigitalLinkToEPC(dl, n)
}
