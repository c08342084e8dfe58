// Command consentgw is the recording-consent gateway (SPEC §2): `serve` runs it; the other
// commands (see usage) are the operator's and the DPO's tools, most of them clients of a
// running gateway over NATS. Exit status: 0 success, 1 failed request, 2 bad usage.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: consentgw <command> [flags]

commands:
  serve [-c FILE]   run the gateway (no file: embedded defaults)
  erase --subject TYPE:VALUE [--scope subject|recordings] [--dry-run] [--confirm] [--certificate FILE]
  erase --call ID                                    erase one call, whoever asks
  export --subject TYPE:VALUE -o FILE.zip            export a data subject's data
  lookup --subject TYPE:VALUE                        what the store holds of a subject
  hold --subject TYPE:VALUE|--call ID --reason WHY   place a legal hold
  release --hold ID|--subject TYPE:VALUE|--call ID   lift legal holds
  holds                                              list the legal holds in force
  stats [--from DAY] [--to DAY] [--route NAME]       count decisions by day, route, method, mode
  requests [--state STATE] [--of ID]                 list requests and their state
  verify FILE                                        check an erasure certificate or an export bundle
  decrypt [-c FILE] [--identity FILE] [-o OUT.wav] RECORDING
                                                     a sealed recording back to a stereo WAV
  retention [--dry-run] [-c FILE]                    expire calls by the retention rules now
  inventory [-c FILE]                                where personal data is kept (record of processing)
  pseudonym [--type call-id|tel|customer|agent] VALUE
                                                     print the key logs and events use for VALUE
  nats-user [--nkey FILE] NAME                       print an entry of nats.authorization
  drain [-c FILE]                                    take the gateway on this host out of service: it
                                                     finishes its calls, uploads its spool and exits
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
	case "lookup":
		return lookup(args[1:], stdin, stdout, stderr)
	case "hold":
		return holdCmd(args[1:], stdin, stdout, stderr)
	case "release":
		return release(args[1:], stdin, stdout, stderr)
	case "holds":
		return holds(args[1:], stdin, stdout, stderr)
	case "stats":
		return stats(args[1:], stdin, stdout, stderr)
	case "requests":
		return requests(args[1:], stdin, stdout, stderr)
	case "verify":
		return verify(args[1:], stdout, stderr)
	case "decrypt":
		return decryptCmd(args[1:], stdout, stderr)
	case "retention":
		return retentionCmd(args[1:], stdout, stderr)
	case "inventory":
		return inventory(args[1:], stdout, stderr)
	case "nats-user":
		return natsUser(args[1:], stdin, stdout, stderr)
	case "pseudonym":
		return pseudonym(args[1:], stdin, stdout, stderr)
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
