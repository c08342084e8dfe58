// Command consentgw is the recording-consent gateway (SPEC §2): `serve` runs it, `version`
// prints its version. Exit status: 0 success, 1 failed request, 2 bad usage.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: consentgw <command> [flags]

commands:
  serve [-c FILE]   run the gateway (no file: embedded defaults)
  erase --subject TYPE:VALUE [--requested-by WHO]   erase a data subject's data (SPEC §6)
  export --subject TYPE:VALUE -o FILE.zip            export a data subject's data
  drain [-c FILE]   take the gateway on this host out of service: finish its calls,
                    upload its spool, then it exits (rolling restarts)
  version           print the version

Run 'consentgw <command> -h' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses of SPEC §2.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "erase":
		return erase(args[1:], stdout, stderr)
	case "export":
		return export(args[1:], stdout, stderr)
	case "drain":
		return drain(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		return version(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "consentgw: unknown command %q: run 'consentgw help' for the list\n", args[0])
		return exitUsage
	}
}
