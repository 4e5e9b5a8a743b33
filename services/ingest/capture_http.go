package ingest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"rxledger/epcis"
	"rxledger/services/platform/auth"
	"rxledger/services/platform/httpx"
	"rxledger/services/platform/problem"
)

// The GS1 EPCIS 2.0 REST headers the capture interface uses.
const (
	HeaderCaptureLimit         = "GS1-EPCIS-Capture-Limit"
	HeaderCaptureFileSizeLimit = "GS1-EPCIS-Capture-File-Size-Limit"
	HeaderCaptureBehaviour     = "GS1-Capture-Error-Behaviour"
	HeaderEPCISVersion         = "GS1-EPCIS-Version"
	HeaderCBVVersion           = "GS1-CBV-Version"
)

// maxListedJobs bounds GET /epcis/capture.
const maxListedJobs = 100

// advertise sets the capture limit headers: middleware of the capture
// routes (Mount), ahead of authentication.
func (s *Service) advertise(c *gin.Context) {
	c.Header(HeaderCaptureLimit, strconv.Itoa(s.cfg.CaptureLimit))
	c.Header(HeaderCaptureFileSizeLimit, strconv.FormatInt(s.cfg.FileSizeLimit, 10))
	c.Header(HeaderEPCISVersion, "2.0.0")
	c.Header(HeaderCBVVersion, "2.0.0")
}

// handleCapture is POST /epcis/capture: validate the whole document, store
// a job, answer 202 with its Location; nothing is submitted for a document
// that is invalid or over a limit.
func (s *Service) handleCapture(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	ctx, span := s.cfg.Tracer.Start(c.Request.Context(), "ingest.capture.accept", trace.WithAttributes(attribute.String("org", p.Org)))
	defer span.End()

	behaviour := strings.ToLower(strings.TrimSpace(c.GetHeader(HeaderCaptureBehaviour)))
	switch behaviour {
	case "", BehaviourRollback:
	case BehaviourProceed:
		s.reject(c, "", problem.New(problem.Invalid,
			"%s: proceed is not supported; a document is captured all or nothing (rollback)", HeaderCaptureBehaviour).
			At(problem.Location{Field: HeaderCaptureBehaviour}))
		return
	default:
		s.reject(c, "", problem.New(problem.Invalid, "%s: %q is not a capture error behaviour (rollback is supported)", HeaderCaptureBehaviour, behaviour).
			At(problem.Location{Field: HeaderCaptureBehaviour}))
		return
	}
	kind, err := mediaKind(c.GetHeader("Content-Type"))
	if err != nil {
		s.reject(c, "", err)
		return
	}
	release, ok := s.admit(c, p.Org)
	if !ok {
		return
	}
	defer release()
	body, err := s.readDocument(c)
	if err != nil {
		s.reject(c, "", err)
		return
	}
	doc, f, err := decodeDocument(kind, body, s.limits())
	if err != nil {
		s.reject(c, f, err)
		return
	}
	events, epcs := len(doc.Events), countEPCs(doc)
	span.SetAttributes(attribute.Int("capture.events", events), attribute.Int("capture.epcs", epcs))
	rec := jobRecord{Org: p.Org, Kind: kind, Job: Job{
		// running and successful: "still capturing, no error so far", as
		// GS1's capture job table has it.
		CaptureID: newJobID(), CreatedAt: time.Now().UTC(), Running: true, Success: true,
		CaptureErrorBehaviour: BehaviourRollback, Errors: []JobError{},
		Format: string(f), EventCount: events, EPCCount: epcs,
	}}
	if err := s.jobs.create(&rec, body); err != nil {
		s.log.ErrorContext(ctx, "store capture job", "error", err)
		s.reject(c, f, err)
		return
	}
	s.m.captureDocs.WithLabelValues(string(f), "accepted").Inc()
	s.m.captureEvents.Add(float64(events))
	s.m.captureEPCs.Add(float64(epcs))
	s.runner.enqueue(&pending{rec: rec, work: &captureWork{doc: doc}, accepted: span.SpanContext()})
	c.Header("Location", "/epcis/capture/"+rec.Job.CaptureID)
	httpx.Respond(c, http.StatusAccepted, rec.Job)
}

// admit waits for one of the Config.MaxAccepting places of documents being
// read and checked (at most a quarter of them an organisation's), up to
// Config.AcceptWait; when none frees, it answers a 503 with Retry-After and
// reports false. A client that goes away while waiting ends the wait where
// the server tells (HTTP/2; over HTTP/1.1 a request whose body is unread is
// not cancelled, and waits out AcceptWait).
func (s *Service) admit(c *gin.Context, org string) (release func(), ok bool) {
	t := time.NewTimer(s.cfg.AcceptWait)
	defer t.Stop()
	for {
		taken, freed, atShare := s.admission.take(org)
		if taken {
			return func() { s.admission.release(org) }, true
		}
		select {
		case <-freed:
		case <-c.Request.Context().Done():
			c.Abort()
			return nil, false
		case <-t.C:
			c.Header("Retry-After", "5")
			detail := fmt.Sprintf("%d capture documents are being accepted already, the most this node reads at once: retry in a few seconds", s.cfg.MaxAccepting)
			if atShare {
				detail = fmt.Sprintf("%s is uploading %d capture documents already, its share of the %d this node reads at once: retry once one is accepted",
					org, s.admission.perOrg, s.cfg.MaxAccepting)
			}
			s.reject(c, "", problem.New(problem.Unavailable, "%s", detail))
			return nil, false
		}
	}
}

// pacedBody reads a request body no slower than rate bytes a second after
// grace: before each read it sets the connection's read deadline to when
// the bytes read so far are due. Where the server cannot set deadlines
// (none does here but a test's recorder), only its read timeout holds.
type pacedBody struct {
	r     io.Reader
	rc    *http.ResponseController
	start time.Time
	grace time.Duration
	rate  int64
	n     int64
}

func (p *pacedBody) Read(b []byte) (int, error) {
	due := p.start.Add(p.grace + time.Duration(p.n)*time.Second/time.Duration(p.rate))
	_ = p.rc.SetReadDeadline(due)
	n, err := p.r.Read(b)
	p.n += int64(n)
	return n, err
}

// reject answers a refused capture and counts it.
func (s *Service) reject(c *gin.Context, f format, err error) {
	label := string(f)
	if label == "" {
		label = "unknown"
	}
	s.m.captureDocs.WithLabelValues(label, "rejected").Inc()
	if errors.Is(err, errUnsupportedMediaType) {
		failStatus(c, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type", err)
		return
	}
	httpx.Fail(c, err)
}

// readDocument reads the body under the file size limit, stopping as soon
// as it is exceeded.
func (s *Service) readDocument(c *gin.Context) ([]byte, error) {
	limit := s.cfg.FileSizeLimit
	if c.Request.ContentLength > limit {
		return nil, tooLarge(limit)
	}
	r := &pacedBody{r: http.MaxBytesReader(c.Writer, c.Request.Body, limit), rc: http.NewResponseController(c.Writer),
		start: time.Now(), grace: s.cfg.UploadGrace, rate: s.cfg.MinUploadRate}
	body, err := io.ReadAll(r)
	// The body is in: lift the deadline, which would otherwise end the
	// request's context while its document is checked (the server sets its
	// own again for the connection's next request).
	_ = r.rc.SetReadDeadline(time.Time{})
	if err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return nil, tooLarge(mbe.Limit)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return nil, problem.New(problem.RequestTimeout,
				"the capture document arrived slower than %d bytes a second after the first %s (%d bytes in %s): send it again, faster",
				s.cfg.MinUploadRate, s.cfg.UploadGrace, r.n, time.Since(r.start).Round(time.Millisecond))
		}
		return nil, problem.Wrap(problem.Invalid, err, "read the capture document")
	}
	if len(body) == 0 {
		return nil, problem.New(problem.Invalid, "the request body is empty; an EPCIS document is expected")
	}
	return body, nil
}

func tooLarge(limit int64) *problem.Error {
	return problem.New(problem.TooLarge, "the capture document exceeds %s: %d bytes", HeaderCaptureFileSizeLimit, limit)
}

// countEPCs counts the instance identifiers of a document's events.
func countEPCs(doc *epcis.Document) int {
	n := 0
	for i := range doc.Events {
		e := &doc.Events[i]
		n += len(e.EPCList) + len(e.ChildEPCs) + len(e.InputEPCList) + len(e.OutputEPCList)
	}
	return n
}

// handleCaptureOptions is OPTIONS /epcis/capture: the limits.
func (s *Service) handleCaptureOptions(c *gin.Context) {
	c.Header("Allow", "GET, POST, OPTIONS")
	c.Status(http.StatusNoContent)
}

// handleListJobs is GET /epcis/capture: the caller's organisation's most
// recent jobs.
func (s *Service) handleListJobs(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	recs := s.jobs.ofOrg(p.Org, maxListedJobs)
	jobs := make([]Job, len(recs))
	for i := range recs {
		jobs[i] = recs[i].Job
	}
	httpx.Respond(c, http.StatusOK, jobs) // a bare array, as the GS1 REST binding answers
}

// handleJob is GET /epcis/capture/{captureID}. A job of another
// organisation is answered as unknown.
func (s *Service) handleJob(c *gin.Context) {
	p, _ := auth.PrincipalOf(c)
	id := c.Param("captureID")
	rec, ok := s.jobs.get(id)
	if !ok || rec.Org != p.Org {
		httpx.Fail(c, problem.New(problem.NotFound, "no capture job %q", id))
		return
	}
	httpx.Respond(c, http.StatusOK, rec.Job)
}

// failStatus answers a problem whose status the problem codes do not cover.
func failStatus(c *gin.Context, status int, typ, title string, err error) {
	_ = c.Error(err)
	body := problem.Body{
		Type: problem.TypeBase + typ, Title: title, Status: status, Detail: detailOf(err),
		Instance: c.Request.URL.Path, Code: problem.Code(typ), RequestID: httpx.RequestIDOf(c),
	}
	if sc := trace.SpanContextFromContext(c.Request.Context()); sc.IsValid() {
		body.TraceID = sc.TraceID().String()
	}
	c.Header("Content-Type", problem.MediaType)
	c.AbortWithStatusJSON(status, body)
}

func detailOf(err error) string {
	var pe *problem.Error
	if errors.As(err, &pe) {
		return pe.Detail
	}
	return err.Error()
}
