package ingest

import "sync"

// admission counts the capture documents being read and checked before
// their 202 (Config.MaxAccepting), and each organisation's among them: an
// organisation holds at most a quarter of the places (at least one), so
// that a few uploading slowly cannot keep every competitor's captures out
// (and Config.MinUploadRate cuts off the slowest).
type admission struct {
	mu          sync.Mutex
	max, perOrg int
	total       int
	held        map[string]int
	// freed is closed, and replaced, whenever a place frees.
	freed chan struct{}
}

func newAdmission(places int) *admission {
	return &admission{max: places, perOrg: max(1, places/4), held: map[string]int{}, freed: make(chan struct{})}
}

// take gives org a place if one is free for it; if not, it returns a
// channel closed when one frees, and whether the organisation is at its
// share (rather than the node full).
func (a *admission) take(org string) (ok bool, freed <-chan struct{}, atShare bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.held[org] >= a.perOrg {
		return false, a.freed, true
	}
	if a.total >= a.max {
		return false, a.freed, false
	}
	a.total++
	a.held[org]++
	return true, nil, false
}

// release gives back a place org took.
func (a *admission) release(org string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total--
	if a.held[org]--; a.held[org] <= 0 {
		delete(a.held, org)
	}
	close(a.freed)
	a.freed = make(chan struct{})
}
