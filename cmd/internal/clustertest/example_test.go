package clustertest

import (
	"path/filepath"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
)

// The example cluster's one file, with a node's environment as cluster.sh sets it, is a
// valid configuration of that node.
func TestExampleClusterConfigLoadsForEachNode(t *testing.T) {
	file := filepath.Join(sipptest.RepoRoot(), "testdata", "cluster", "consentgw.yaml")
	for i, node := range []string{"gw-a", "gw-b"} {
		env := []string{
			config.EnvName("node_name") + "=" + node,
			config.EnvName("data_dir") + "=/var/lib/" + node,
			config.EnvName("http.listen") + "=127.0.0.1:808" + string(rune('1'+i)),
		}
		cfg, err := config.Load(file, env)
		if err != nil {
			t.Fatalf("%s: %v", node, err)
		}
		if cfg.NodeName != node || cfg.NATS.Replicas != 3 || cfg.Subjects.HMACKey == "" || cfg.Storage.S3.Endpoint == "" {
			t.Errorf("%s: %+v", node, cfg)
		}
	}
}
