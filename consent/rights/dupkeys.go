package rights

import (
	"bytes"
	"encoding/json"
	"strings"
)

// duplicateKey returns the first key that appears twice in one object of data, or "".
// encoding/json lets the last of them win, so a request holding two request_ids or two
// subjects would act on whichever came last while a reviewer of the payload, or another
// parser, reads the first (RFC 8259 §4: names SHOULD be unique; behaviour otherwise is
// unpredictable). Keys are compared as encoding/json matches them to fields: case
// folded. data must already be valid JSON.
func duplicateKey(data []byte) string {
	type frame struct {
		object    bool
		keys      map[string]bool
		expectKey bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return "" // the end, or an error Decode reported already
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				stack = append(stack, &frame{object: d == '{', keys: map[string]bool{}, expectKey: d == '{'})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expectKey = true // the closed value was a member's
				}
			}
			continue
		}
		if top == nil || !top.object {
			continue
		}
		if top.expectKey {
			k := strings.ToLower(tok.(string))
			if top.keys[k] {
				return k
			}
			top.keys[k] = true
			top.expectKey = false
			continue
		}
		top.expectKey = true // a scalar member value
	}
}
