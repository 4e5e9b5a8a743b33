package ingest

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"rxledger/services/platform/problem"
)

// numCond is one numeric comparison of a query: EQ_ (one of several
// values), GT_, GE_, LT_ or LE_ (one value).
type numCond struct {
	op     string // "EQ", "GT", "GE", "LT", "LE"
	values []float64
}

// holds reports whether x satisfies the comparison.
func (c numCond) holds(x float64) bool {
	switch c.op {
	case "EQ":
		for _, v := range c.values {
			if x == v {
				return true
			}
		}
		return false
	case "GT":
		return x > c.values[0]
	case "GE":
		return x >= c.values[0]
	case "LT":
		return x < c.values[0]
	default: // "LE"
		return x <= c.values[0]
	}
}

// cutComparison splits a parameter name into its comparison ("EQ", "GT",
// "GE", "LT", "LE") and the rest.
func cutComparison(name string) (op, rest string, ok bool) {
	for _, op := range []string{"EQ", "GT", "GE", "LT", "LE"} {
		if rest, ok := strings.CutPrefix(name, op+"_"); ok {
			return op, rest, true
		}
	}
	return "", "", false
}

// parseNumCond reads the values of a numeric comparison: EQ_ takes a list,
// the others one value. A problem names the parameter.
func parseNumCond(name, op string, values []string) (numCond, error) {
	if op != "EQ" && len(values) != 1 {
		return numCond{}, badParam(name, "takes one number, got %d values", len(values))
	}
	c := numCond{op: op}
	for _, s := range values {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return numCond{}, badParam(name, "%q is not a number (e.g. 8 or -2.5)", s)
		}
		c.values = append(c.values, f)
	}
	return c, nil
}

// timeCond is a pair of GE_ and LT_ bounds on a time; nil for none.
type timeCond struct {
	ge, lt *time.Time
}

func (c timeCond) set() bool { return c.ge != nil || c.lt != nil }

// holds reports whether t is within the bounds; a missing time is not.
func (c timeCond) holds(t *time.Time) bool {
	if !c.set() {
		return true
	}
	return t != nil && (c.ge == nil || !t.Before(*c.ge)) && (c.lt == nil || t.Before(*c.lt))
}

// uomPattern is a UN/ECE Recommendation 20 unit code as the EPCIS query
// schema writes it in a parameter name (GE_value_CEL).
var uomPattern = regexp.MustCompile(`^[A-Z0-9]{2,4}$`)

// unit is a unit of measure this service converts: a value v in it is
// v*scale + offset in the base unit of its dimension.
type unit struct {
	dimension     string
	scale, offset float64
}

// units are the UN/ECE Rec 20 units a query compares across: those of
// temperature (cold chain), mass, volume and length. A value in a unit not
// listed here compares only with a parameter of the same unit.
var units = map[string]unit{
	"KEL": {"temperature", 1, 0},
	"CEL": {"temperature", 1, 273.15},
	"FAH": {"temperature", 5.0 / 9, 459.67 * 5 / 9},
	"KGM": {"mass", 1, 0},
	"GRM": {"mass", 1e-3, 0},
	"MGM": {"mass", 1e-6, 0},
	"LBR": {"mass", 0.45359237, 0},
	"MTQ": {"volume", 1, 0},
	"LTR": {"volume", 1e-3, 0},
	"MLT": {"volume", 1e-6, 0},
	"MTR": {"length", 1, 0},
	"CMT": {"length", 1e-2, 0},
	"MMT": {"length", 1e-3, 0},
}

// convert writes v, a value in unit from, in unit to. A spread (a standard
// deviation) converts by scale alone: a difference of 1 CEL is one of 1 KEL.
// ok is false when the units differ and are not of one dimension listed in
// units. A converted value is rounded to nine decimal places, so that
// 281.15 KEL compares equal to 8 CEL.
func convert(v float64, from, to string, spread bool) (float64, bool) {
	if from == to {
		return v, true
	}
	f, okf := units[from]
	t, okt := units[to]
	if !okf || !okt || f.dimension != t.dimension {
		return 0, false
	}
	var out float64
	if spread {
		out = v * f.scale / t.scale
	} else {
		out = (v*f.scale + f.offset - t.offset) / t.scale
	}
	return math.Round(out*1e9) / 1e9, true
}

// badParam is the problem of a malformed query parameter, naming it in its
// detail and its location.
func badParam(name, format string, args ...any) error {
	return problem.New(problem.Invalid, "query parameter %s: "+format, append([]any{name}, args...)...).
		At(problem.Location{Field: name})
}
