package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrSettingDiffers fails a node's start when a setting that must be one for the whole
// deployment (subjects.hmac_key) differs from another node's.
var ErrSettingDiffers = errors.New("differs from another node's")

// CheckSame notes this node's value of a deployment-wide setting, as node.<node>.<name>,
// and fails when a node that is up (or died within the TTL) noted another value. value
// must say nothing about the setting itself: a keyed fingerprint, never the key. The note
// is rewritten with the node's calls and deleted by a clean stop.
func (r *Registry) CheckSame(ctx context.Context, name, value string) error {
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	keys, err := r.listKeys(ctx, "node.*."+name)
	if err != nil {
		return fmt.Errorf("registry: reading the other nodes' %s: %w", name, err)
	}
	for _, k := range keys {
		node := strings.TrimSuffix(strings.TrimPrefix(k, "node."), "."+name)
		if node == r.o.Node {
			continue
		}
		e, err := r.kv.Get(ctx, k)
		if err != nil {
			continue // gone meanwhile
		}
		if string(e.Value()) != value {
			return fmt.Errorf("registry: this node's %s %w (%s): %w", name, ErrSettingDiffers, node, errMustMatch)
		}
	}
	key := "node." + r.o.Node + "." + name
	if _, err := r.kv.PutString(ctx, key, value); err != nil {
		return fmt.Errorf("registry: noting %s: %w", name, err)
	}
	r.mu.Lock()
	r.settings[key] = value
	r.mu.Unlock()
	return nil
}

var errMustMatch = errors.New("every node of a deployment needs the same one")
