package phone

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// The page finds the gateway's WebSockets: a wildcard listener under the page's host.
func TestConfigNamesWebSocketsAsTheBrowserReachesThem(t *testing.T) {
	h := Handler([]WebSocket{{Host: "0.0.0.0", Port: 8088}, {Secure: true, Host: "sip.example.com", Port: 8089}, {Host: "::", Port: 8090}})
	req := httptest.NewRequest("GET", "/phone/config.json", nil)
	req.Host = "gw.example.com:8080"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var got config
	if err := json.NewDecoder(rec.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := []string{"ws://gw.example.com:8088", "wss://sip.example.com:8089", "ws://gw.example.com:8090"}
	if !reflect.DeepEqual(got.WebSockets, want) {
		t.Errorf("websockets %v, want %v", got.WebSockets, want)
	}
}

func TestPageHasKeypadCallAndStatus(t *testing.T) {
	rec := httptest.NewRecorder()
	Handler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/phone/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /phone/: %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{`data-digit="1"`, `data-digit="2"`, `id="call"`, `id="hangup"`, `id="status"`, `src="phone.js"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	rec = httptest.NewRecorder()
	Handler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/phone/phone.js", nil))
	if Built() != (rec.Code == http.StatusOK) {
		t.Errorf("phone.js answered %d, built %v", rec.Code, Built())
	}
}
