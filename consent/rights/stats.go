package rights

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// StatsResult counts decisions over live receipts and the anonymous tombstones erases
// left (rights.erase_keeps: statistics), so figures survive the erasure of the people.
type StatsResult struct {
	RequestID string `json:"request_id"`
	Status    string `json:"status"`
	From      string `json:"from"`
	To        string `json:"to"`
	Route     string `json:"route,omitempty"`
	// Receipts and Anonymized are how many of each were counted.
	Receipts   int        `json:"receipts"`
	Anonymized int        `json:"anonymized"`
	Rows       []StatsRow `json:"rows"`
}

// StatsRow is the count of one decision on one day, route, method and mode; Anonymized
// is how many of Count are tombstones.
type StatsRow struct {
	Day        string `json:"day"`
	Route      string `json:"route"`
	Method     string `json:"method"`
	Mode       string `json:"mode"`
	Decision   string `json:"decision"`
	Count      int    `json:"count"`
	Anonymized int    `json:"anonymized"`
}

// statsFields are what both a receipt and a tombstone say of a call.
type statsFields struct {
	Route       string    `json:"route"`
	StartedAt   time.Time `json:"started_at"`
	StartedHour time.Time `json:"started_hour"`
	Decision    string    `json:"decision"`
	Method      string    `json:"method"`
	Mode        string    `json:"mode"`
}

// Stats counts the decisions of the request's days (default: the last seven), reading
// every receipt and tombstone of those days: it costs one read per call.
func (s *Service) Stats(ctx context.Context, req Request) (StatsResult, error) {
	to, from := req.To, req.From
	if to.IsZero() {
		to = s.now().Truncate(24 * time.Hour)
		if !from.IsZero() && from.After(to) {
			to = from
		}
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -(defaultStatsDays - 1))
	}
	if days := int(to.Sub(from)/(24*time.Hour)) + 1; days > maxStatsDays {
		return StatsResult{}, reject(fmt.Sprintf("from and to span %d days, more than %d", days, maxStatsDays))
	}
	type object struct {
		key        string
		anonymized bool
	}
	var objs []object
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		day := d.Format("2006/01/02") + "/"
		for _, src := range []struct {
			prefix     string
			anonymized bool
		}{{"consent/", false}, {AnonymizedPrefix, true}} {
			list, err := s.o.Store.List(ctx, src.prefix+day)
			if err != nil {
				return StatsResult{}, fmt.Errorf("counting decisions: %w", err)
			}
			for _, o := range list {
				if strings.HasSuffix(o.Key, ".json") {
					objs = append(objs, object{o.Key, src.anonymized})
				}
			}
		}
	}
	res := StatsResult{RequestID: req.RequestID, Status: StatusCompleted, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Route: req.Route}
	rows := map[StatsRow]*StatsRow{}
	var mu sync.Mutex
	err := s.parallel(ctx, len(objs), func(ctx context.Context, i int) error {
		var f statsFields
		err := s.getJSON(ctx, objs[i].key, &f)
		if errors.Is(err, storage.ErrNotFound) {
			return nil // erased or expired meanwhile
		}
		if err != nil {
			s.log.Warn("a receipt could not be counted", "key", objs[i].key, "error", err)
			return nil
		}
		if req.Route != "" && f.Route != req.Route {
			return nil
		}
		at := cmp.Or(f.StartedAt, f.StartedHour)
		k := StatsRow{Day: at.UTC().Format(time.DateOnly), Route: f.Route, Method: f.Method, Mode: f.Mode, Decision: f.Decision}
		mu.Lock()
		defer mu.Unlock()
		row := rows[k]
		if row == nil {
			row = &StatsRow{Day: k.Day, Route: k.Route, Method: k.Method, Mode: k.Mode, Decision: k.Decision}
			rows[k] = row
		}
		row.Count++
		if objs[i].anonymized {
			row.Anonymized++
			res.Anonymized++
		} else {
			res.Receipts++
		}
		return nil
	})
	if err != nil {
		return StatsResult{}, err
	}
	res.Rows = []StatsRow{}
	for _, r := range rows {
		res.Rows = append(res.Rows, *r)
	}
	slices.SortFunc(res.Rows, func(a, b StatsRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Route, b.Route), cmp.Compare(a.Method, b.Method),
			cmp.Compare(a.Mode, b.Mode), cmp.Compare(a.Decision, b.Decision))
	})
	return res, nil
}
