package sipptest

import (
	"regexp"
	"strings"
)

// errorLogEntry matches the stamp SIPp starts each -trace_err entry with
// ("2026-01-02<TAB>15:04:05.000000<TAB>1767366245.000000: "); SIPp writes no
// newline between entries.
var errorLogEntry = regexp.MustCompile(`\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\.\d+\t\d+\.\d+: `)

// cleanErrorLog puts each SIPp error-log entry on its own line and drops the
// "receive timeout ..., jumping to label" entries: the scenarios' hold loops
// wait in short recv timeouts on purpose, and those lines would bury real errors.
func cleanErrorLog(raw string) string {
	starts := errorLogEntry.FindAllStringIndex(raw, -1)
	if len(starts) == 0 {
		return raw
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(raw[:starts[0][0]], "\n"))
	for i, s := range starts {
		end := len(raw)
		if i+1 < len(starts) {
			end = starts[i+1][0]
		}
		entry := strings.TrimRight(raw[s[0]:end], "\n")
		if strings.Contains(entry, "receive timeout on message") && strings.Contains(entry, "jumping to label") {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(entry)
	}
	return b.String()
}
