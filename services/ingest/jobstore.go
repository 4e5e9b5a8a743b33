package ingest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"rxledger/services/platform/atomicfile"
	"sort"
	"strings"
	"sync"
	"time"
)

// jobStore keeps capture jobs in a directory: <id>.json is the job record,
// <id>.doc the document of a job not yet finished. Both are written with a
// temporary file, fsync and rename, so a job acknowledged with 202 is on
// disk and is resumed after a crash. Finished jobs keep only the record.
type jobStore struct {
	dir string
	mu  sync.Mutex
	// recs caches every record by ID.
	recs map[string]*jobRecord
	// failing is the error of the last write, nil once one succeeded: the
	// store cannot take new jobs or outcomes (say, the disk is full).
	failing error
	// probed is when Failing last tried a write of its own.
	probed time.Time
}

// jobIDPattern is the form of job IDs, checked before an ID names a file.
var jobIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func openJobStore(dir string) (*jobStore, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create job directory: %w", err)
	}
	s := &jobStore{dir: dir, recs: map[string]*jobRecord{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !jobIDPattern.MatchString(id) {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read job %s: %w", id, err)
		}
		var rec jobRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, damagedJob(dir, id, err)
		}
		if f := rec.Job.FinishedAt; f != nil && !rec.Job.Running && time.Since(*f) > finishedJobRetention {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("drop old job %s: %w", id, err)
			}
			continue
		}
		if rec.Job.Running {
			// Earlier releases stored a running job as not successful;
			// in GS1's table that reads as "rolling back".
			rec.Job.Success = true
		}
		s.recs[id] = &rec
	}
	if err := s.sweep(entries); err != nil {
		return nil, err
	}
	return s, nil
}

// damagedJob is the refusal of a job record that cannot be decoded,
// saying what the operator can do: nothing is changed, since a running
// job's record is all that says whose document waits beside it.
func damagedJob(dir, id string, err error) error {
	record, doc := filepath.Join(dir, id+".json"), filepath.Join(dir, id+".doc")
	if _, serr := os.Stat(doc); serr != nil {
		return fmt.Errorf("the capture job record %s cannot be read (%w). Its job had finished (it has no document left): "+
			"move the file out of %s to start; only the job's status is lost (whether its events were recorded, the ledger and the query say)", record, err, dir)
	}
	return fmt.Errorf("the capture job record %s cannot be read (%w), and its job had not finished: its document %s waits to be "+
		"captured. Restore the record from a backup; or move both files out of %s, start, and capture the document again "+
		"(what the ledger has already is answered as duplicates)", record, err, doc, dir)
}

// finishedJobRetention is how long a finished job's record is kept (and
// answers GET /epcis/capture/{id}); older ones are dropped at start.
const finishedJobRetention = 30 * 24 * time.Hour

// sweepAge is how old a leftover file must be before the sweep removes it,
// so that it never races a write in progress.
const sweepAge = time.Minute

// sweep removes what a crash can leave behind in the job directory:
// temporary files of writes that never completed, and documents of jobs
// that finished (the crash came between the record and the removal) or that
// have no record (the crash came before it: that job was never
// acknowledged). A running job's document stays, to be resumed.
func (s *jobStore) sweep(entries []fs.DirEntry) error {
	for _, e := range entries {
		name := e.Name()
		leftover := false
		switch {
		case atomicfile.IsTemp(name):
			leftover = true
		case strings.HasSuffix(name, ".doc"):
			id := strings.TrimSuffix(name, ".doc")
			rec, ok := s.recs[id]
			leftover = jobIDPattern.MatchString(id) && (!ok || !rec.Job.Running)
		}
		if !leftover {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < sweepAge {
			continue
		}
		if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove leftover %s from the job directory: %w", name, err)
		}
	}
	return nil
}

// newJobID returns a random job ID.
func newJobID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// create stores a new running job and its document.
func (s *jobStore) create(rec *jobRecord, doc []byte) error {
	id := rec.Job.CaptureID
	if err := atomicfile.Write(filepath.Join(s.dir, id+".doc"), doc); err != nil {
		return fmt.Errorf("store capture document: %w", err)
	}
	return s.put(rec)
}

// put writes a job record, and caches it once it is written.
func (s *jobStore) put(rec *jobRecord) error {
	if err := s.write(rec); err != nil {
		return err
	}
	s.cache(rec)
	return nil
}

// cache makes rec the record GET answers.
func (s *jobStore) cache(rec *jobRecord) {
	c := *rec
	s.mu.Lock()
	s.recs[rec.Job.CaptureID] = &c
	s.mu.Unlock()
}

// write writes a job record to its file, noting whether the store can be
// written (Failing).
func (s *jobStore) write(rec *jobRecord) error {
	raw, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode job: %w", err)
	}
	err = atomicfile.Write(filepath.Join(s.dir, rec.Job.CaptureID+".json"), raw)
	s.mu.Lock()
	s.failing = err
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("store job: %w", err)
	}
	return nil
}

// Failing returns the error of the last write to the store, nil when it
// succeeded. While it fails, it tries a write of its own, at most once a
// second (readiness asks often, and without a key), so that the store reads
// as mended once it is, even with no job to write.
func (s *jobStore) Failing() error {
	s.mu.Lock()
	err := s.failing
	recent := time.Since(s.probed) < time.Second
	if err != nil && !recent {
		s.probed = time.Now()
	}
	s.mu.Unlock()
	if err == nil || recent {
		return err
	}
	probe := filepath.Join(s.dir, "probe")
	if werr := atomicfile.Write(probe, []byte("rxledger")); werr != nil {
		return werr
	}
	_ = os.Remove(probe)
	s.mu.Lock()
	if s.failing == err {
		s.failing = nil
	}
	s.mu.Unlock()
	return nil
}

// finish writes the final state of a job and drops its document. The
// state is then what GET answers, even if writing it failed (the caller
// tries again): the ledger has the outcome, and a job that reads as
// running would be waited on for ever. A document that cannot be dropped
// once the state is written is no failure to store it (docErr): the
// record says the job finished, so the next start sweeps the document as
// a leftover, and trying again would hold up the organisation's later
// jobs for nothing.
func (s *jobStore) finish(rec *jobRecord) (docErr, err error) {
	err = s.write(rec)
	if err == nil {
		if rerr := os.Remove(filepath.Join(s.dir, rec.Job.CaptureID+".doc")); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			docErr = fmt.Errorf("drop capture document: %w", rerr)
		}
	}
	s.cache(rec)
	return docErr, err
}

// get returns a copy of a job record.
func (s *jobStore) get(id string) (jobRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[id]
	if !ok {
		return jobRecord{}, false
	}
	return *rec, true
}

// document reads the stored document of an unfinished job.
func (s *jobStore) document(id string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, id+".doc"))
	if err != nil {
		return nil, fmt.Errorf("read capture document: %w", err)
	}
	return b, nil
}

// running lists the unfinished jobs, oldest first.
func (s *jobStore) running() []jobRecord {
	return s.list(func(r *jobRecord) bool { return r.Job.Running })
}

// ofOrg lists an organisation's jobs, newest first, at most limit.
func (s *jobStore) ofOrg(org string, limit int) []jobRecord {
	all := s.list(func(r *jobRecord) bool { return r.Org == org })
	sort.SliceStable(all, func(i, j int) bool { return all[i].Job.CreatedAt.After(all[j].Job.CreatedAt) })
	return all[:min(len(all), limit)]
}

func (s *jobStore) list(keep func(*jobRecord) bool) []jobRecord {
	s.mu.Lock()
	var out []jobRecord
	for _, r := range s.recs {
		if keep(r) {
			out = append(out, *r)
		}
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Job.CreatedAt.Equal(out[j].Job.CreatedAt) {
			return out[i].Job.CreatedAt.Before(out[j].Job.CreatedAt)
		}
		return out[i].Job.CaptureID < out[j].Job.CaptureID
	})
	return out
}
