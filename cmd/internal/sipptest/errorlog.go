package sipptest

import (
	"regexp"
	"strings"
)

// errorLogEntry matches the stamp SIPp starts each -trace_err entry with
// ("2026-01-02<TAB>15:04:05.000000<TAB>1767366245.000000: ").
var errorLogEntry = regexp.MustCompile(`\d{4}-\d{2}-\d{2}\t\d{2}:\d{2}:\d{2}\.\d+\t\d+\.\d+: `)

// splitErrorLog puts each SIPp error-log entry on its own line: SIPp writes
// no newline between entries.
func splitErrorLog(raw string) string {
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
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strings.TrimRight(raw[s[0]:end], "\n"))
	}
	return b.String()
}
