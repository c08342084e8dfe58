package sipptest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestRepoRootHoldsGoMod(t *testing.T) {
	root := RepoRoot()
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("RepoRoot() = %q: %v", root, err)
	}
}

func TestScenarioPath(t *testing.T) {
	tests := []struct{ name, want string }{
		{"agent.xml", filepath.Join(RepoRoot(), "testdata", "sipp", "agent.xml")},
		{"/elsewhere/x.xml", "/elsewhere/x.xml"},
	}
	for _, tt := range tests {
		if got := ScenarioPath(tt.name); got != tt.want {
			t.Errorf("ScenarioPath(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestEveryScenarioAndAudioFixtureExists(t *testing.T) {
	for _, name := range []string{
		"caller_rfc4733.xml", "caller_info.xml", "caller_inband.xml", "caller_silent.xml",
		"agent.xml", "agent_hangup.xml", "agent_busy.xml", "gateway_stub.xml",
	} {
		if _, err := os.Stat(ScenarioPath(name)); err != nil {
			t.Errorf("scenario: %v", err)
		}
	}
	for _, name := range []string{
		"caller-440hz.ulaw", "caller-440hz.alaw", "agent-1000hz.ulaw", "agent-1000hz.alaw",
		"caller-dtmf1-440hz.ulaw", "caller-dtmf1-440hz.alaw",
		"caller-dtmf2-440hz.ulaw", "caller-dtmf2-440hz.alaw",
	} {
		if _, err := os.Stat(AudioPath(name)); err != nil {
			t.Errorf("audio: %v", err)
		}
	}
}

func TestDTMFPcapNamesSipTesterFiles(t *testing.T) {
	tests := []struct{ key, file string }{
		{"1", "dtmf_2833_1.pcap"},
		{"2", "dtmf_2833_2.pcap"},
		{"*", "dtmf_2833_star.pcap"},
		{"#", "dtmf_2833_pound.pcap"},
	}
	for _, tt := range tests {
		if got, want := DTMFPcap(tt.key), filepath.Join(DTMFPcapDir, tt.file); got != want {
			t.Errorf("DTMFPcap(%q) = %q, want %q", tt.key, got, want)
		}
	}
}

func TestRTPStream(t *testing.T) {
	if got := RTPStream("/a/b.alaw", -1, 8); got != "/a/b.alaw,-1,8" {
		t.Errorf("RTPStream = %q", got)
	}
}
