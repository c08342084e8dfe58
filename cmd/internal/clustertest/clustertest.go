// Package clustertest starts a whole consentgw deployment on loopback for end-to-end
// tests, built as testdata/cluster/cluster.sh builds one for a newcomer: a JetStream cluster of
// three nats-server processes, MinIO in distributed mode (two processes of two drives),
// gateway nodes as processes that share one configuration file and differ only by
// environment (CONSENTGW_NODE_NAME, ports, data_dir, MinIO endpoint), and Kamailio's
// dispatcher in front of them. Every process is stopped when the test ends.
package clustertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gopkg.in/yaml.v3"

	"github.com/consentgw/consentgw/cmd/internal/bus/natstest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/kamailiotest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/sip/testports"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// mediaPorts is each node's media range: 64 RTP/RTCP pairs, more than a check holds.
const mediaPorts = 128

// Bucket is the cluster's recordings bucket, versioned, so an erase must remove every
// version.
const Bucket = "cluster-recordings"

// Options shape the cluster.
type Options struct {
	// Nodes is how many gateways run; 0 = 2. They are named gw-a, gw-b, ...
	Nodes int
	// Agent is host:port of the agents' SIP target every route sends calls to.
	Agent string
}

// Cluster is a running deployment.
type Cluster struct {
	NATS     *natstest.Cluster
	MinIO    *miniotest.Pool
	Nodes    []*gatewaytest.Process
	Balancer *kamailiotest.Balancer
	// ConfigFile is the configuration every node runs.
	ConfigFile string
}

// NodeName is the name of node i: gw-a, gw-b, ...
func NodeName(i int) string { return "gw-" + string(rune('a'+i)) }

// Start runs the deployment and returns once every node is ready and the balancer
// answers.
func Start(t *testing.T, o Options) *Cluster {
	t.Helper()
	if o.Nodes == 0 {
		o.Nodes = 2
	}
	kamailiotest.Require(t)
	c := &Cluster{NATS: natstest.StartCluster(t, 3), MinIO: miniotest.StartPool(t, 2, 2)}
	c.makeBucket(t)
	c.ConfigFile = c.writeConfig(t, o)
	var addrs []string
	for i := range o.Nodes {
		node := gatewaytest.StartNode(t, c.ConfigFile, c.nodeEnv(t, i))
		c.Nodes = append(c.Nodes, node)
		addrs = append(addrs, node.Addr())
	}
	c.Balancer = kamailiotest.StartBalancer(t, addrs)
	return c
}

// writeConfig is the one file all nodes share: the NATS cluster with three replicas,
// the MinIO bucket, one subjects.hmac_key, rights.signing_key and encryption.kek (every
// node must pseudonymize, sign and wrap keys alike), the
// short test prompt, and the agent route.
func (c *Cluster) writeConfig(t *testing.T, o Options) string {
	t.Helper()
	cfg := config.Default()
	cfg.NATS.URL = c.NATS.URL
	cfg.NATS.Replicas = 3
	m := c.MinIO.Servers[0]
	cfg.Storage.S3 = config.S3{Endpoint: m.Endpoint, Bucket: Bucket, AccessKey: c.MinIO.AccessKey, SecretKey: c.MinIO.SecretKey}
	cfg.Subjects.HMACKey = "cluster-test-subject-key-0123456789"
	cfg.Rights.SigningKey = "Y2x1c3Rlci10ZXN0LXNpZ25pbmcta2V5LTAxMjM0NTY="
	cfg.Encryption.KEK = "AGE-SECRET-KEY-1ZL9FZW2MXPV6JSUM3AMNVULZJC2X2SFFGYMK4MJW2PSXV25VGQUSCXN5XW"
	cfg.SIP.InviteRate = 0 // every INVITE comes from the balancer (README "Running several gateways")
	cfg.Media.IP = "127.0.0.1"
	cfg.Consent.Prompt = sipptest.AudioPath("prompt-short.wav")
	cfg.Consent.Timeout = config.Duration(time.Second)
	cfg.Consent.Repeats = 0
	cfg.Log.Level = "debug"
	cfg.Routes[0].RecordTarget = "sip:agents@" + o.Agent
	cfg.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
	if err := cfg.Validate(); err != nil {
		t.Fatalf("cluster config: %v", err)
	}
	body, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "consentgw.yaml")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// nodeEnv is node i's overrides of the shared file: its name, data_dir, ports, media
// range, and the MinIO process it talks to (they alternate).
func (c *Cluster) nodeEnv(t *testing.T, i int) []string {
	t.Helper()
	// Reserved for the whole test (sip/testports): a node restarts on the same ports.
	sip := testports.Port(t, testports.UDPAndTCP)
	media := testports.Block(t, testports.UDP, mediaPorts)
	m := c.MinIO.Servers[i%len(c.MinIO.Servers)]
	return []string{
		config.EnvName("node_name") + "=" + NodeName(i),
		config.EnvName("data_dir") + "=" + t.TempDir(),
		config.EnvName("sip.listen") + fmt.Sprintf("=udp:127.0.0.1:%d,tcp:127.0.0.1:%d", sip, sip),
		config.EnvName("http.listen") + "=127.0.0.1:" + strconv.Itoa(testports.Port(t, testports.TCP)),
		config.EnvName("media.port_min") + "=" + strconv.Itoa(media),
		config.EnvName("media.port_max") + "=" + strconv.Itoa(media+mediaPorts-1),
		config.EnvName("storage.s3.endpoint") + "=" + m.Endpoint,
	}
}

// makeBucket creates the bucket with versioning before any node starts.
func (c *Cluster) makeBucket(t *testing.T) {
	t.Helper()
	client := c.MinIO.Servers[0].Client(t)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := client.MakeBucket(ctx, Bucket, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("creating bucket %s: %v", Bucket, err)
	}
	if err := client.EnableVersioning(ctx, Bucket); err != nil {
		t.Fatalf("versioning bucket %s: %v", Bucket, err)
	}
}

// S3 is a client of the pool's first MinIO process (the cluster test stops only the
// second).
func (c *Cluster) S3(t *testing.T) *minio.Client {
	t.Helper()
	return c.MinIO.Servers[0].Client(t)
}

// JetStream connects to the NATS cluster; the connection follows the cluster when a
// server goes away.
func (c *Cluster) JetStream(t *testing.T) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc := c.NATS.Connect(t)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}
