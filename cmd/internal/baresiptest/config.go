package baresiptest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// modules are what a phone loads: G.711, the accounts file, a WAV file as microphone
// (aufile) and aubridge as a loudspeaker that needs no sound card (a bridge device with
// no source attached drops what it is given), the command menu and the TCP control
// interface.
var modules = []string{"g711.so", "account.so", "aufile.so", "aubridge.so", "menu.so", "ctrl_tcp.so"}

// writeConfig writes baresip's config and accounts files into dir (baresip -f dir).
func writeConfig(dir string, o Options, p ports, wav string) error {
	sip := net.JoinHostPort(o.IP, strconv.Itoa(p.sip))
	sink := "sink" + strconv.Itoa(p.sip)
	lines := []string{
		"poll_method epoll",
		"sip_listen " + sip,
		// net_interface takes an address as well as a name: baresip then puts this
		// address in its Contact, Via and SDP (its RTP sockets still bind the wildcard).
		"net_interface " + o.IP,
		"audio_source aufile," + wav,
		"audio_player aubridge," + sink,
		"audio_alert aubridge," + sink,
		fmt.Sprintf("rtp_ports %d-%d", p.rtp, p.rtp+rtpPorts-1),
		"rtp_timeout 0",
		"call_local_timeout 120",
		"statmode_default off",
		"module_path " + ModuleDir,
	}
	for _, m := range modules {
		kind := "module"
		if m == "menu.so" || m == "ctrl_tcp.so" {
			kind = "module_app"
		}
		lines = append(lines, kind+" "+m)
	}
	lines = append(lines, "ctrl_tcp_listen 127.0.0.1:"+strconv.Itoa(p.ctrl))
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing baresip config: %w", err)
	}
	// regint=0: no registrar, the account only places and takes calls.
	account := fmt.Sprintf("<sip:%s@%s>;regint=0;answermode=%s;audio_codecs=%s\n", o.User, sip, o.AnswerMode, o.Codecs)
	if err := os.WriteFile(filepath.Join(dir, "accounts"), []byte(account), 0o600); err != nil {
		return fmt.Errorf("writing baresip accounts: %w", err)
	}
	return nil
}
