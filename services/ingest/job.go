package ingest

import (
	"time"

	"rxledger/services/platform/problem"
)

// Capture error behaviours (the GS1-Capture-Error-Behaviour header). Only
// rollback, all or nothing per document, is supported.
const (
	BehaviourRollback = "rollback"
	BehaviourProceed  = "proceed"
)

// Job is a capture job as GET /epcis/capture/{captureID} reports it: the GS1
// EPCIS 2.0 capture job (captureID, createdAt, finishedAt, running, success,
// captureErrorBehaviour, errors) plus what rxledger knows about it.
type Job struct {
	CaptureID             string     `json:"captureID"`
	CreatedAt             time.Time  `json:"createdAt"`
	FinishedAt            *time.Time `json:"finishedAt,omitempty"`
	Running               bool       `json:"running"`
	Success               bool       `json:"success"`
	CaptureErrorBehaviour string     `json:"captureErrorBehaviour"`
	Errors                []JobError `json:"errors"`

	// Format is the binding the document was written in.
	Format string `json:"format"`
	// EventCount and EPCCount count what the document holds.
	EventCount int `json:"eventCount"`
	EPCCount   int `json:"epcCount"`
	// Duplicates counts the events that were already on the ledger (a
	// re-capture) and so changed nothing.
	Duplicates int `json:"duplicates"`
	// TxID and Block name the ledger transaction once it committed.
	TxID  string `json:"txId,omitempty"`
	Block uint64 `json:"block,omitempty"`
	// T3 are the IDs of the DSCSA transaction information records written.
	T3 []string `json:"t3,omitempty"`
	// Warnings say what the job recorded in a way the caller may not
	// expect: shipping events recorded without transaction information,
	// and why (a buyer GLN no regulator attests, no owning_party, ...).
	Warnings []string `json:"warnings,omitempty"`
}

// JobError is one reason a capture job failed, an RFC 9457 problem with
// where it is: the chaincode rule, the index of the event in the document
// and the EPC concerned.
type JobError struct {
	Type       string             `json:"type"`
	Title      string             `json:"title"`
	Status     int                `json:"status"`
	Detail     string             `json:"detail"`
	Code       problem.Code       `json:"code"`
	Rule       string             `json:"rule,omitempty"`
	EventIndex *int               `json:"eventIndex,omitempty"`
	EPC        string             `json:"epc,omitempty"`
	Where      []problem.Location `json:"where,omitempty"`
}

// jobRecord is a job as the store keeps it: the job and who owns it.
type jobRecord struct {
	Job Job    `json:"job"`
	Org string `json:"org"`
	// Kind is "json" or "xml": how to decode the stored document again
	// when the job is resumed after a restart.
	Kind string `json:"kind"`
}
