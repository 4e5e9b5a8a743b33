// Package e2e holds the end-to-end tests of rxledger: they build the real
// rxledger binary, start it with `serve --demo` (with a real redis-server
// where the test is about the cache) and walk the DSCSA story over HTTP as
// the demo organisations, refusals, Redis faults, restarts and a crash
// included; and start it with a consortium file of other organisations,
// which are onboarded over HTTP before they trade. The package has no code
// of its own; run it with
//
//	(ulimit -u 400; go test ./services/e2e/)
//
// Every process a test starts (the binary, redis-server) is stopped when the
// test ends.
package e2e
