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
  pseudonym [--type call-id|tel|customer|agent] VALUE  print the key logs and events use for VALUE
  nats-user [--nkey FILE] NAME                        print an entry of nats.authorization
  version           print the version

Run 'consentgw <command> -h' for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses of SPEC §2.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "erase":
		return erase(args[1:], stdin, stdout, stderr)
	case "export":
		return export(args[1:], stdin, stdout, stderr)
	case "nats-user":
		return natsUser(args[1:], stdin, stdout, stderr)
	case "pseudonym":
		return pseudonym(args[1:], stdin, stdout, stderr)
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
