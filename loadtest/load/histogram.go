// Package load drives HTTP load at rxledger's services (or any loopback
// target) and measures what it gets: throughput, latency percentiles from a
// log-linear histogram, and failures by status. The rxledger load tool
// (package main one level up) is a thin command line around it; scenarios for
// the services are Scenario values.
package load

import (
	"math/bits"
	"time"
)

// The histogram keeps values below 2^subBits nanoseconds exactly and larger
// ones in buckets 1/2^(subBits-1) of their power of two wide (under 0.8%
// error), up to maxValue.
const (
	subBits   = 8
	subCount  = 1 << subBits      // 256 exact values
	halfCount = subCount / 2      // buckets per power of two above them
	maxBits   = 36                // values clamp below 2^36 ns (about 68 s)
	maxShift  = maxBits - subBits // the largest shift bucketOf uses
	numBucket = subCount + maxShift*halfCount
	maxValue  = time.Duration(1)<<maxBits - 1
)

// Histogram records latencies. It is not safe for concurrent use: give each
// worker its own and Merge them.
type Histogram struct {
	counts [numBucket]uint64
	total  uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{} }

func bucketOf(v time.Duration) int {
	if v < 0 {
		v = 0
	}
	if v > maxValue {
		v = maxValue
	}
	u := uint64(v)
	if u < subCount {
		return int(u)
	}
	shift := bits.Len64(u) - subBits // >= 1
	m := u >> shift                  // in [halfCount, subCount)
	return subCount + (shift-1)*halfCount + int(m) - halfCount
}

// valueOf returns the middle of bucket i.
func valueOf(i int) time.Duration {
	if i < subCount {
		return time.Duration(i)
	}
	k := i - subCount
	shift := k/halfCount + 1
	m := uint64(k%halfCount + halfCount)
	return time.Duration(m<<shift + (uint64(1)<<shift)/2)
}

// Record adds one latency.
func (h *Histogram) Record(v time.Duration) {
	h.counts[bucketOf(v)]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.total++
	h.sum += v
}

// Merge adds o's values to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.total += o.total
	h.sum += o.sum
}

// Count returns the number of values recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Max returns the largest value recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Min returns the smallest value recorded.
func (h *Histogram) Min() time.Duration { return h.min }

// Mean returns the mean of the values recorded.
func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return h.sum / time.Duration(h.total)
}

// Quantile returns the value below which the fraction q (0..1) of the
// recorded values lie, within the bucket precision, clamped to [Min, Max].
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank > h.total {
		rank = h.total
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(max(valueOf(i), h.min), h.max)
		}
	}
	return h.max
}
