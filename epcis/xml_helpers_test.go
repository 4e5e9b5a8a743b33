package epcis

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

// xmlFiles lists the .xml files under dir, recursively, sorted.
func xmlFiles(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".xml") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func decodeXMLFile(t testing.TB, path string) (*Document, error) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return DecodeXML(bytes.NewReader(b))
}

// xmlComparableDoc returns a normalised copy of d for equality
// checks (it shares, and converts in place, d's nested values): every time in UTC (the model keeps the writer's offset, which
// reflect.DeepEqual would compare by *Location pointer) and the presentational
// namespace prefixes dropped.
func xmlComparableDoc(d *Document) *Document {
	c := *d
	c.Namespaces = nil
	c.Events = append([]Event(nil), d.Events...)
	v := reflect.ValueOf(&c).Elem()
	xmlUTCTimes(v)
	return &c
}

var xmlTimeType = reflect.TypeOf(time.Time{})

// xmlUTCTimes converts every time.Time reachable from v to UTC, in place.
// Pointers are followed; the decoded documents share no pointers with others.
func xmlUTCTimes(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == xmlTimeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).UTC()))
			}
			return
		}
		for i := 0; i < v.NumField(); i++ {
			xmlUTCTimes(v.Field(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			xmlUTCTimes(v.Elem())
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			xmlUTCTimes(v.Index(i))
		}
	}
}

// assertSameXMLModel fails the test when two documents differ after
// normalisation, listing the first differences by field path.
func assertSameXMLModel(t *testing.T, want, got *Document) {
	t.Helper()
	w, g := xmlComparableDoc(want), xmlComparableDoc(got)
	if reflect.DeepEqual(w, g) {
		return
	}
	var diffs []string
	xmlModelDiff(reflect.ValueOf(w).Elem(), reflect.ValueOf(g).Elem(), "Document", &diffs)
	t.Fatalf("models differ:\n%s", strings.Join(diffs, "\n"))
}

// xmlModelDiff appends to diffs (at most 10) the paths where want and got
// differ, with both values.
func xmlModelDiff(want, got reflect.Value, path string, diffs *[]string) {
	if len(*diffs) >= 10 {
		return
	}
	if want.Kind() != got.Kind() {
		*diffs = append(*diffs, fmt.Sprintf("%s: kind %v vs %v", path, want.Kind(), got.Kind()))
		return
	}
	switch want.Kind() {
	case reflect.Pointer:
		if want.IsNil() || got.IsNil() {
			if want.IsNil() != got.IsNil() {
				*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, fmtValue(want), fmtValue(got)))
			}
			return
		}
		xmlModelDiff(want.Elem(), got.Elem(), path, diffs)
	case reflect.Struct:
		if want.Type() == xmlTimeType {
			if !want.Interface().(time.Time).Equal(got.Interface().(time.Time)) {
				*diffs = append(*diffs, fmt.Sprintf("%s: want %v, got %v", path, want.Interface(), got.Interface()))
			}
			return
		}
		for i := 0; i < want.NumField(); i++ {
			xmlModelDiff(want.Field(i), got.Field(i), path+"."+want.Type().Field(i).Name, diffs)
		}
	case reflect.Slice:
		if want.IsNil() != got.IsNil() {
			*diffs = append(*diffs, fmt.Sprintf("%s: want nil=%v, got nil=%v", path, want.IsNil(), got.IsNil()))
			return
		}
		if want.Len() != got.Len() {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %d entries %v, got %d %v", path, want.Len(), fmtValue(want), got.Len(), fmtValue(got)))
			return
		}
		for i := 0; i < want.Len(); i++ {
			xmlModelDiff(want.Index(i), got.Index(i), fmt.Sprintf("%s[%d]", path, i), diffs)
		}
	default:
		if !reflect.DeepEqual(want.Interface(), got.Interface()) {
			*diffs = append(*diffs, fmt.Sprintf("%s: want %#v, got %#v", path, want.Interface(), got.Interface()))
		}
	}
}

func fmtValue(v reflect.Value) string {
	s := fmt.Sprintf("%+v", v.Interface())
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// openXMLTestFile opens path for reading and closes it when the test ends.
func openXMLTestFile(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
