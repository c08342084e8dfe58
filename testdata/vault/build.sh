#!/usr/bin/env bash
# Builds the Vault server the Vault tests run (consent/keystore/vaulttest) into $1
# (default ~/.cache/consentgw/bin/vault). `go install github.com/hashicorp/vault@…` is
# refused: its go.mod replaces its own api and sdk modules with subdirectories that the
# module's zip leaves out. So the module is copied, the published sdk v0.21.0 (which its
# go.mod requires) is used instead, and the three call sites where that sdk differs from
# the subdirectory it was built with are adjusted. About 15 minutes of CPU, 500 MB.
set -euo pipefail
out="${1:-$HOME/.cache/consentgw/bin/vault}"
version=v1.21.4
dir=$(GOFLAGS=-mod=mod go mod download -json "github.com/hashicorp/vault@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$dir" "$work/vault"
chmod -R u+w "$work/vault"
cd "$work/vault"
sed -i '/^replace github.com\/hashicorp\/vault\/\(api\|sdk\)/d' go.mod
grep -q 'github.com/hashicorp/vault/sdk v0.21.0' go.mod
# sdk v0.21.0: an activation function takes the flag's name; RestorePolicy returns no name.
perl -pi -e 's/ActivationFunc: iStore\.activateDeduplication,/ActivationFunc: func(ctx context.Context, req *logical.Request, _ string) error { return iStore.activateDeduplication(ctx, req) },/' vault/identity_store.go
perl -pi -e 's/b\.idStoreBackend\.ActivationFunc\(ctx, nil\)/b.idStoreBackend.ActivationFunc(ctx, nil, "")/' vault/logical_system_activation_flags.go
perl -pi -e 's/restoredKeyName, err := b\.lm\.RestorePolicy\((.*)\)$/restoredKeyName := keyName\n\terr := b.lm.RestorePolicy($1)/' builtin/logical/transit/path_restore.go
mkdir -p "$(dirname "$out")"
GOFLAGS=-mod=mod go build -o "$out" .
"$out" version
