package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/nats-io/nkeys"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentgw/consentgw/cmd/internal/bus"
)

// bcryptCost is nats-server's own choice for its password hashes.
const bcryptCost = 11

// natsUser prints an entry of nats.authorization for user NAME: with a password read
// from standard input, NAME:BCRYPT-HASH; with --nkey FILE, a new user nkey whose seed is
// written to FILE (for consentgw erase --nkey FILE) and NAME:PUBLIC-KEY. The
// configuration never holds a password or a seed.
func natsUser(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("nats-user", flag.ContinueOnError)
	flags.SetOutput(stderr)
	seedFile := flags.String("nkey", "", "make an nkey instead of hashing a password, and write its seed to `FILE` (mode 0600, never overwritten)")
	if err := flags.Parse(args); err != nil {
		return exitUsage
	}
	if flags.NArg() != 1 {
		return fail(stderr, "nats-user", usageError{"want the user's NAME, e.g. consentgw nats-user crm < password.txt"})
	}
	name := flags.Arg(0)
	var secret string
	if *seedFile != "" {
		pub, err := newNKey(*seedFile)
		if err != nil {
			return fail(stderr, "nats-user", err)
		}
		secret = pub
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fail(stderr, "nats-user", fmt.Errorf("reading the password: %w", err))
		}
		password := strings.TrimRight(line, "\r\n")
		if len(password) < 12 {
			return fail(stderr, "nats-user", usageError{"give a password of 12 characters or more on standard input"})
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(password), bcryptCost)
		if err != nil {
			return fail(stderr, "nats-user", fmt.Errorf("hashing the password: %w", err))
		}
		secret = string(hash)
	}
	entry := name + ":" + secret
	if _, err := bus.ParseUser(bus.RoleCRM, entry); err != nil {
		return fail(stderr, "nats-user", usageError{err.Error()})
	}
	fmt.Fprintln(stdout, entry)
	return exitOK
}

// newNKey makes a user nkey, writes its seed to path and returns its public key.
func newNKey(path string) (string, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return "", fmt.Errorf("making an nkey: %w", err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("writing the nkey seed: %w", err)
	}
	_, err = f.Write(append(seed, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return "", fmt.Errorf("writing the nkey seed: %w", err)
	}
	return pub, nil
}
