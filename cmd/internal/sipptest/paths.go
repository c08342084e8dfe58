package sipptest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DTMFPcapDir is where Debian's sip-tester package ships its RFC 2833 pcaps.
const DTMFPcapDir = "/usr/share/sip-tester"

// RepoRoot returns the directory holding go.mod, found by walking up from the
// working directory (go test runs in the package's directory). It returns ""
// when there is none.
func RepoRoot() string {
	root, err := findRepoRoot()
	if err != nil {
		return ""
	}
	return root
}

func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getting the working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrRepoRootNotFound
		}
		dir = parent
	}
}

// ScenarioPath resolves a scenario name: an absolute path is kept, anything
// else is taken as a file under testdata/sipp.
func ScenarioPath(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(RepoRoot(), "testdata", "sipp", name)
}

// AudioPath returns the absolute path of a file under testdata/audio.
func AudioPath(name string) string {
	return filepath.Join(RepoRoot(), "testdata", "audio", name)
}

// DTMFPcap returns the sip-tester pcap that plays one key as RFC 4733
// telephone-events (payload type 101), for the dtmf_pcap key.
func DTMFPcap(key string) string {
	name := key
	switch key {
	case "*":
		name = "star"
	case "#":
		name = "pound"
	}
	return filepath.Join(DTMFPcapDir, "dtmf_2833_"+strings.ToLower(name)+".pcap")
}

// RTPStream formats the value of an audio key for SIPp's
// <exec rtp_stream="..."/>: a raw G.711 file sent in 20 ms packets. loops is
// how many times the file is played (1 = once; 0 sends nothing in SIPp 3.6.1)
// or -1 for forever; pt is 0 for µ-law, 8 for A-law.
func RTPStream(file string, loops, pt int) string {
	return fmt.Sprintf("%s,%d,%d", file, loops, pt)
}
