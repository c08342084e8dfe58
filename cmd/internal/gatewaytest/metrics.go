package gatewaytest

import (
	"bufio"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Metrics returns the gateway's /metrics page as served.
func (g *Gateway) Metrics(t testing.TB) string {
	t.Helper()
	res, err := http.Get("http://" + g.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatalf("scraping /metrics: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("scraping /metrics: status %d, %v", res.StatusCode, err)
	}
	return string(body)
}

// MetricValue is the value of one series on a /metrics page, e.g.
// `consentgw_sip_rejected_total{reason="untrusted"}`; 0 when absent. The node label every
// series carries is left out of the comparison: a test names a series by its own labels.
func MetricValue(page, series string) float64 {
	series = withoutNode(series)
	sc := bufio.NewScanner(strings.NewReader(page))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && withoutNode(name) == series {
			v, _ := strconv.ParseFloat(value, 64)
			return v
		}
	}
	return 0
}

// nodeLabel matches the node label of a series, with the comma that joins it to others.
var nodeLabel = regexp.MustCompile(`node="[^"]*",?`)

// withoutNode is a series name without its node label: `m{node="a",reason="b"}` is
// `m{reason="b"}`, and `m{node="a"}` is `m`.
func withoutNode(series string) string {
	s := nodeLabel.ReplaceAllString(series, "")
	s = strings.Replace(s, ",}", "}", 1)
	return strings.TrimSuffix(s, "{}")
}
