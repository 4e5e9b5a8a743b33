package ingest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestJobStoreSweep: opening the job directory removes what a crash left
// (temporary files, the documents of finished jobs and of jobs without a
// record) once it is old enough not to be a write in progress, drops the
// records of jobs finished longer ago than the retention, and keeps a
// running job with its document.
func TestJobStoreSweep(t *testing.T) {
	dir := t.TempDir()
	old := time.Now().Add(-time.Hour)
	write := func(name string, data []byte, mod time.Time) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
	record := func(id string, running bool, finished *time.Time) []byte {
		raw, err := json.Marshal(jobRecord{Org: "ManufacturerMSP", Kind: "json", Job: Job{CaptureID: id, Running: running, FinishedAt: finished}})
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	const (
		running  = "0000000000000000000000000000000a"
		finished = "0000000000000000000000000000000b"
		orphan   = "0000000000000000000000000000000c"
		expired  = "0000000000000000000000000000000d"
		fresh    = "0000000000000000000000000000000e"
	)
	recent, longAgo := time.Now().Add(-time.Hour), time.Now().Add(-finishedJobRetention-time.Hour)
	write(running+".json", record(running, true, nil), old)
	write(running+".doc", []byte("{}"), old)
	write(finished+".json", record(finished, false, &recent), old)
	write(finished+".doc", []byte("{}"), old)
	write(orphan+".doc", []byte("{}"), old)
	write(expired+".json", record(expired, false, &longAgo), old)
	write("."+running+".json.tmp-123", []byte("{"), old)
	write(fresh+".doc", []byte("{}"), time.Now()) // a write in progress
	s, err := openJobStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{running + ".doc", running + ".json", finished + ".json", fresh + ".doc"}
	if len(left) != len(want) {
		t.Fatalf("left in the job directory: %v, want %v", left, want)
	}
	for _, w := range want {
		if _, err := os.Stat(filepath.Join(dir, w)); err != nil {
			t.Errorf("%s: %v", w, err)
		}
	}
	if _, ok := s.get(expired); ok {
		t.Error("a job finished longer ago than the retention is still served")
	}
	if _, ok := s.get(finished); !ok {
		t.Error("a job finished an hour ago is gone")
	}
}

// TestDamagedJobRecordSaysWhatToDo: a job record that cannot be decoded
// stops the store, naming the file and what to do, which depends on
// whether the job had finished (its document is gone) or not; nothing is
// changed.
func TestDamagedJobRecordSaysWhatToDo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		withDoc bool
		want    []string
	}{
		{"finished", false, []string{"had finished", "move the file out of", "only the job's status is lost"}},
		{"running", true, []string{"had not finished", ".doc waits to be captured", "Restore the record from a backup"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			id := newJobID()
			record := filepath.Join(dir, id+".json")
			if err := os.WriteFile(record, []byte(`{"job":{"captureID":`), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.withDoc {
				if err := os.WriteFile(filepath.Join(dir, id+".doc"), []byte("{}"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := openJobStore(dir)
			if err == nil {
				t.Fatal("a damaged job record was accepted")
			}
			for _, want := range append([]string{record}, tc.want...) {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			if raw, err := os.ReadFile(record); err != nil || string(raw) != `{"job":{"captureID":` {
				t.Errorf("the record was changed: %q %v", raw, err)
			}
		})
	}
}

// TestJobFinishedWhoseDocumentStays: once a job's outcome is written, a
// document that cannot be removed is no failure to store the outcome
// (Service.finish would try again for ever, holding up the organisation's
// later jobs, while Ready says all is well): the record says the job
// finished, so the next start sweeps the document as a leftover.
func TestJobFinishedWhoseDocumentStays(t *testing.T) {
	dir := t.TempDir()
	s, err := openJobStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := newJobID()
	rec := jobRecord{Org: "ManufacturerMSP", Kind: "json", Job: Job{CaptureID: id, Running: true, Success: true}}
	if err := s.create(&rec, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	// A document that cannot be removed: here a directory with a file in it.
	doc := filepath.Join(dir, id+".doc")
	if err := os.Remove(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(doc, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	rec.Job.Running = false
	docErr, err := s.finish(&rec)
	if err != nil {
		t.Fatalf("finish = %v once the outcome was written", err)
	}
	if docErr == nil {
		t.Error("finish says nothing of the document it could not drop")
	}
	raw, err := os.ReadFile(filepath.Join(dir, id+".json"))
	var stored jobRecord
	if err != nil || json.Unmarshal(raw, &stored) != nil || stored.Job.Running {
		t.Fatalf("stored record %s %v", raw, err)
	}
	if err := s.Failing(); err != nil {
		t.Errorf("Failing = %v", err)
	}
}
