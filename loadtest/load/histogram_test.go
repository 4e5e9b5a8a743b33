package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketRoundTrip(t *testing.T) {
	for _, v := range []time.Duration{0, 1, 255, 256, 257, 1000, 4096, 123456, time.Millisecond, 5 * time.Millisecond, time.Second, 60 * time.Second} {
		got := valueOf(bucketOf(v))
		diff := got - v
		if diff < 0 {
			diff = -diff
		}
		if float64(diff) > float64(v)*0.008+1 {
			t.Errorf("value %v lands in a bucket read back as %v", v, got)
		}
	}
	if b := bucketOf(time.Hour); b != numBucket-1 {
		t.Errorf("an hour is in bucket %d, want the last (%d)", b, numBucket-1)
	}
	if b := bucketOf(-time.Second); b != 0 {
		t.Errorf("a negative value is in bucket %d", b)
	}
}

func TestQuantilesAgainstSorted(t *testing.T) {
	tests := []struct {
		name string
		gen  func(r *rand.Rand) time.Duration
	}{
		{name: "uniform 0-10ms", gen: func(r *rand.Rand) time.Duration { return time.Duration(r.Int64N(int64(10 * time.Millisecond))) }},
		{name: "exponential mean 1ms", gen: func(r *rand.Rand) time.Duration { return time.Duration(r.ExpFloat64() * float64(time.Millisecond)) }},
		{name: "bimodal", gen: func(r *rand.Rand) time.Duration {
			if r.IntN(100) < 2 {
				return 200*time.Millisecond + time.Duration(r.Int64N(int64(time.Millisecond)))
			}
			return 300*time.Microsecond + time.Duration(r.Int64N(int64(100*time.Microsecond)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			a, b := NewHistogram(), NewHistogram()
			var all []time.Duration
			for i := range 100000 {
				v := tt.gen(r)
				all = append(all, v)
				if i%2 == 0 {
					a.Record(v)
				} else {
					b.Record(v)
				}
			}
			a.Merge(b)
			slices.Sort(all)
			if a.Count() != uint64(len(all)) || a.Min() != all[0] || a.Max() != all[len(all)-1] {
				t.Errorf("count %d min %v max %v; want %d %v %v", a.Count(), a.Min(), a.Max(), len(all), all[0], all[len(all)-1])
			}
			for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
				want := all[int(q*float64(len(all)))-1]
				got := a.Quantile(q)
				if d := float64(got-want) / float64(want); d > 0.01 || d < -0.01 {
					t.Errorf("q%.3f = %v, exact %v (%.2f%% off)", q, got, want, d*100)
				}
			}
		})
	}
}

func TestEmptyHistogram(t *testing.T) {
	h := NewHistogram()
	if h.Quantile(0.99) != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Error("empty histogram reports values")
	}
	h.Merge(NewHistogram())
	if h.Count() != 0 {
		t.Error("merging empty histograms added values")
	}
}
