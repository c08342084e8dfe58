package main

import (
	"fmt"
	"io"

	"github.com/consentgw/consentgw/cmd/internal/gateway"
)

func version(stdout io.Writer) int {
	fmt.Fprintf(stdout, "consentgw %s\n", gateway.Version)
	return exitOK
}
