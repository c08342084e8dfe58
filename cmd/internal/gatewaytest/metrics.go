package gatewaytest

import (
	"bufio"
	"io"
	"net/http"
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
// `consentgw_sip_rejected_total{reason="untrusted"}`; 0 when absent.
func MetricValue(page, series string) float64 {
	sc := bufio.NewScanner(strings.NewReader(page))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && name == series {
			v, _ := strconv.ParseFloat(value, 64)
			return v
		}
	}
	return 0
}
