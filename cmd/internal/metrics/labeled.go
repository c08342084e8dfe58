package metrics

import "github.com/prometheus/client_golang/prometheus"

// labeledCounters is a counter family whose values live elsewhere (in atomics on the
// packet path) and are read when Prometheus scrapes.
type labeledCounters struct {
	desc *prometheus.Desc
	read func() map[string]uint64 // nil: no series
}

func (c *labeledCounters) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *labeledCounters) Collect(ch chan<- prometheus.Metric) {
	if c.read == nil {
		return
	}
	for label, n := range c.read() {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(n), label)
	}
}
