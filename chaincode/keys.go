package chaincode

// Key builders; the scheme is documented in the package doc.

const keyEnd = "\x7f" // sorts after '~' and every identifier character

func serialKey(gtin, serial string) string   { return "serial~" + gtin + "~" + serial }
func ssccKey(sscc string) string             { return "sscc~" + sscc }
func lotKey(gtin, lot string) string         { return "lot~" + gtin + "~" + lot }
func partnerKey(msp string) string           { return "org~" + msp }
func glnKey(gln string) string               { return "gln~" + gln }
func prefixKey(gcp string) string            { return "gcp~" + gcp }
func anchorKey(hashID string) string         { return "evt~" + hashID }
func t3Key(id string) string                 { return "t3~" + id }
func transformationKey(hashID string) string { return "xf~" + hashID }

// Blocks of serials (see blocks.go): suffix is what placeOf returns.
func blockKey(gtin, suffix string) string         { return "sblk~" + gtin + "~" + suffix }
func blockPrefix(gtin string) string              { return "sblk~" + gtin + "~" }
func lotBlockKey(gtin, lot, suffix string) string { return "lotsb~" + gtin + "~" + lot + "~" + suffix }
func lotBlockPrefix(gtin, lot string) string      { return "lotsb~" + gtin + "~" + lot + "~" }

// Holdings (see holdsStock): an organisation has held a package of a lot.
func holdKey(msp, gtin, lot string) string { return "hold~" + msp + "~" + gtin + "~" + lot }
func holdPrefix(msp, gtin string) string   { return "hold~" + msp + "~" + gtin + "~" }

func txEventKey(txID, hashID string) string { return "tx~" + txID + "~e~" + hashID }
func txT3Key(txID, id string) string        { return "tx~" + txID + "~t~" + id }
func txPrefix(txID string) string           { return "tx~" + txID + "~" }

// indexMark is the value of index keys (Fabric treats an empty value as a delete).
var indexMark = []byte{'1'}

// ImplicitCollection is the name of an organisation's Fabric implicit
// private data collection.
func ImplicitCollection(msp string) string { return "_implicit_org_" + msp }
