package records

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"rxledger/chaincode"
	"rxledger/epcis/gs1"
	"rxledger/services/platform/problem"
)

// The catch-all routes' prefixes and the sub-resources after an
// identifier.
const (
	lotsPrefix       = "/lots/"
	itemsPrefix      = "/items/"
	subRecall        = "recall"
	subHistory       = "history"
	subInvestigation = "investigation"
)

// segments splits the request's path after prefix at each '/' as the
// client wrote it, and unescapes each segment: a '/' written %2F stays in
// its segment. Gin routes on the unescaped path, where a Digital Link
// written as one segment (https:%2F%2Fid.gs1.org%2F01%2F...) would be many,
// so the lot and item routes are catch-alls that split the path here.
func segments(c *gin.Context, prefix string) ([]string, error) {
	rest, ok := strings.CutPrefix(c.Request.URL.EscapedPath(), prefix)
	if !ok { // a prefix written with escaped letters: no such resource
		return nil, problem.New(problem.NotFound, "no resource at %s", c.Request.URL.Path)
	}
	parts := strings.Split(rest, "/")
	for i, s := range parts {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, problem.New(problem.Invalid, "the path segment %q is not percent-encoded correctly", s)
		}
		parts[i] = u
	}
	return parts, nil
}

// lotPath parses /lots/{gtin}/{lot} and /lots/{gtin}/{lot}/recall: the
// GTIN as 14 digits (a GTIN-8, -12 or -13 is padded), the lot, and whether
// the recall is asked for.
func lotPath(c *gin.Context) (gtin, lot string, recall bool, err error) {
	seg, err := segments(c, lotsPrefix)
	if err != nil {
		return "", "", false, err
	}
	switch {
	case len(seg) == 3 && seg[2] == subRecall:
		recall = true
	case len(seg) == 2:
	default:
		return "", "", false, problem.New(problem.NotFound,
			"no resource at %s: a lot is /lots/{gtin}/{lot}, with a '/' within the lot written %%2F", c.Request.URL.EscapedPath())
	}
	if gtin, err = gs1.NormalizeGTIN(seg[0]); err != nil {
		return "", "", false, problem.New(problem.Invalid, "%s", strings.TrimPrefix(err.Error(), gs1.ErrInvalidIdentifier.Error()+": ")).
			At(problem.Location{Field: "gtin"})
	}
	if !chaincode.ValidSerial(seg[1]) {
		return "", "", false, problem.New(problem.Invalid,
			`lot %q is not a GS1 lot number: 1 to 20 letters, digits or !"%%&'()*+,-./:;<=>?_`, seg[1]).
			At(problem.Location{Field: "lot"})
	}
	return gtin, seg[1], recall, nil
}

// itemPath parses /items/{epc}, /items/{epc}/history and
// /items/{epc}/investigation: the EPC as the caller wrote it (the
// chaincode's refusals name it so), parsed, and the sub-resource ("" for
// the item itself).
func itemPath(c *gin.Context) (epc string, id chaincode.ItemID, sub string, err error) {
	seg, err := segments(c, itemsPrefix)
	if err != nil {
		return "", id, "", err
	}
	switch len(seg) {
	case 1:
	case 2:
		if sub = seg[1]; sub != subHistory && sub != subInvestigation {
			return "", id, "", problem.New(problem.NotFound,
				"no resource at %s: an item has /history and /investigation", c.Request.URL.EscapedPath())
		}
	default:
		return "", id, "", problem.New(problem.Invalid,
			"the path goes on after %q: write the EPC as one path segment, with each '/' of a Digital Link as %%2F (/items/%s)",
			seg[0], url.PathEscape("https://id.gs1.org/01/00312345678906/21/ABC")).
			At(problem.Location{Field: "epc"})
	}
	epc = seg[0]
	if id, err = chaincode.ParseItemID(epc); err != nil {
		return "", id, "", problem.New(problem.Invalid,
			"epc %q is not an SGTIN or SSCC as an EPC URN (urn:epc:id:sgtin:..., urn:epc:id:sscc:...) or a GS1 Digital Link: %v", epc, err).
			At(problem.Location{Field: "epc"})
	}
	return epc, id, sub, nil
}
