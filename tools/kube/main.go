// Command flinkops-kube runs a real, single-process Kubernetes control plane for
// the flinkops tests: an embedded etcd and kube-apiserver (built from the
// k8s.io/kubernetes module), both listening on 127.0.0.1 only.
//
// Sub-commands:
//
//	serve --dir DIR [--port N] [-- extra kube-apiserver flags]
//	    Generate certificates, keys and a token (once per DIR), start etcd on a
//	    free loopback port, write DIR/kubeconfig and run kube-apiserver in this
//	    process until SIGTERM/SIGINT.
//	wait --kubeconfig FILE [--timeout 3m]
//	    Poll /readyz until the API server answers "ok".
//	crds --kubeconfig FILE [--timeout 2m] FILE.yml...
//	    Server-side apply CustomResourceDefinitions and wait until they are
//	    Established.
//	version
//	    Print the Kubernetes and etcd versions built in.
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/component-base/cli"
	apiserverapp "k8s.io/kubernetes/cmd/kube-apiserver/app"
	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		os.Exit(serve(os.Args[2:]))
	case "wait":
		err = waitReady(os.Args[2:])
	case "crds":
		err = applyCRDs(os.Args[2:])
	case "version":
		fmt.Printf("kubernetes %s\netcd %s\n", moduleVersion("k8s.io/kubernetes"), moduleVersion("go.etcd.io/etcd/server/v3"))
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "flinkops-kube:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: flinkops-kube serve|wait|crds|version [flags]")
	os.Exit(2)
}

func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, m := range info.Deps {
		if m.Path == path {
			if m.Replace != nil {
				return m.Replace.Version
			}
			return m.Version
		}
	}
	return "unknown"
}

// ---------------------------------------------------------------- serve

func serve(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	dir := fs.String("dir", "", "state directory (certificates, etcd data, kubeconfig)")
	port := fs.Int("port", 0, "secure port of kube-apiserver on 127.0.0.1 (0: pick a free one)")
	_ = fs.Parse(args)
	extra := fs.Args()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "serve: --dir is required")
		return 2
	}
	d, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	p, err := ensurePKI(d)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve: pki:", err)
		return 1
	}

	apiPort := *port
	if apiPort == 0 {
		if apiPort, err = freePort(); err != nil {
			fmt.Fprintln(os.Stderr, "serve:", err)
			return 1
		}
	}

	etcd, etcdURL, err := startEtcd(filepath.Join(d, "etcd"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve: etcd:", err)
		return 1
	}
	defer func() {
		etcd.Close()
		fmt.Fprintln(os.Stderr, "flinkops-kube: etcd stopped")
	}()
	fmt.Fprintf(os.Stderr, "flinkops-kube: etcd %s ready at %s\n", moduleVersion("go.etcd.io/etcd/server/v3"), etcdURL)

	server := fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	if err := writeKubeconfig(filepath.Join(d, "kubeconfig"), server, p); err != nil {
		fmt.Fprintln(os.Stderr, "serve: kubeconfig:", err)
		return 1
	}

	// The flags controller-runtime's envtest starts kube-apiserver with, adapted
	// to run without a separate etcd binary.
	apiArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--advertise-address=127.0.0.1",
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(apiPort),
		"--cert-dir=" + filepath.Join(d, "pki"),
		"--tls-cert-file=" + p.servingCert,
		"--tls-private-key-file=" + p.servingKey,
		"--client-ca-file=" + p.caCert,
		"--token-auth-file=" + p.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + server,
		"--service-account-key-file=" + p.saPub,
		"--service-account-signing-key-file=" + p.saKey,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		"--disable-admission-plugins=ServiceAccount",
		// The kubernetes Service would get a loopback endpoint, which the
		// Endpoints validation refuses: no endpoint reconciler.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--v=0",
	}
	apiArgs = append(apiArgs, extra...)

	cmd := apiserverapp.NewAPIServerCommand()
	cmd.SetArgs(apiArgs)
	fmt.Fprintf(os.Stderr, "flinkops-kube: kube-apiserver %s starting on %s\n", moduleVersion("k8s.io/kubernetes"), server)
	code := cli.Run(cmd)
	fmt.Fprintf(os.Stderr, "flinkops-kube: kube-apiserver exited with %d\n", code)
	return code
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startEtcd(dataDir string) (*embed.Etcd, string, error) {
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		cport, err := freePort()
		if err != nil {
			return nil, "", err
		}
		pport, err := freePort()
		if err != nil {
			return nil, "", err
		}
		if cport == pport {
			continue
		}
		curl := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", cport)}
		purl := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", pport)}

		cfg := embed.NewConfig()
		cfg.Name = "flinkops"
		cfg.Dir = dataDir
		cfg.ListenClientUrls = []url.URL{curl}
		cfg.AdvertiseClientUrls = []url.URL{curl}
		cfg.ListenPeerUrls = []url.URL{purl}
		cfg.AdvertisePeerUrls = []url.URL{purl}
		cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
		cfg.ClusterState = embed.ClusterStateFlagNew
		cfg.LogLevel = "warn"
		cfg.LogOutputs = []string{"stderr"}
		// Test data only: durability is not needed, speed is.
		cfg.UnsafeNoFsync = true
		cfg.QuotaBackendBytes = 2 << 30

		e, err := embed.StartEtcd(cfg)
		if err != nil {
			lastErr = err
			if strings.Contains(err.Error(), "address already in use") {
				continue
			}
			return nil, "", err
		}
		select {
		case <-e.Server.ReadyNotify():
			return e, curl.String(), nil
		case err := <-e.Err():
			e.Close()
			return nil, "", err
		case <-time.After(60 * time.Second):
			e.Close()
			return nil, "", errors.New("etcd did not become ready within 60s")
		}
	}
	return nil, "", lastErr
}

// ---------------------------------------------------------------- pki

type pki struct {
	caCert, caKey, servingCert, servingKey, saKey, saPub, tokenFile, token string
}

func ensurePKI(dir string) (*pki, error) {
	pd := filepath.Join(dir, "pki")
	if err := os.MkdirAll(pd, 0o700); err != nil {
		return nil, err
	}
	p := &pki{
		caCert:      filepath.Join(pd, "ca.crt"),
		caKey:       filepath.Join(pd, "ca.key"),
		servingCert: filepath.Join(pd, "serving.crt"),
		servingKey:  filepath.Join(pd, "serving.key"),
		saKey:       filepath.Join(pd, "sa.key"),
		saPub:       filepath.Join(pd, "sa.pub"),
		tokenFile:   filepath.Join(pd, "tokens.csv"),
	}
	done := true
	for _, f := range []string{p.caCert, p.caKey, p.servingCert, p.servingKey, p.saKey, p.saPub, p.tokenFile, filepath.Join(pd, "token")} {
		if _, err := os.Stat(f); err != nil {
			done = false
		}
	}
	if done {
		t, err := os.ReadFile(filepath.Join(pd, "token"))
		if err != nil {
			return nil, err
		}
		p.token = strings.TrimSpace(string(t))
		return p, nil
	}

	now := time.Now().Add(-time.Hour)
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          randSerial(),
		Subject:               pkix.Name{CommonName: "flinkops-local-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)

	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: randSerial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    now,
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("10.0.0.1")},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, ca, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}

	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	saPubDER, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return nil, err
	}

	tok := make([]byte, 24)
	if _, err := rand.Read(tok); err != nil {
		return nil, err
	}
	p.token = hex.EncodeToString(tok)

	writes := []struct {
		path string
		data []byte
	}{
		{p.caCert, pemBlock("CERTIFICATE", caDER)},
		{p.caKey, mustECKey(caKey)},
		{p.servingCert, pemBlock("CERTIFICATE", srvDER)},
		{p.servingKey, mustECKey(srvKey)},
		{p.saKey, pemBlock("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(saKey))},
		{p.saPub, pemBlock("PUBLIC KEY", saPubDER)},
		// token,user,uid,"groups"
		{p.tokenFile, []byte(p.token + `,flinkops-admin,flinkops-admin,"system:masters"` + "\n")},
		{filepath.Join(pd, "token"), []byte(p.token + "\n")},
	}
	for _, w := range writes {
		if err := os.WriteFile(w.path, w.data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func randSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func mustECKey(k *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		panic(err)
	}
	return pemBlock("EC PRIVATE KEY", der)
}

func writeKubeconfig(path, server string, p *pki) error {
	ca, err := os.ReadFile(p.caCert)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `apiVersion: v1
kind: Config
clusters:
- name: flinkops-local
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: flinkops-admin
  user:
    token: %s
contexts:
- name: flinkops-local
  context:
    cluster: flinkops-local
    user: flinkops-admin
    namespace: default
current-context: flinkops-local
`, server, base64.StdEncoding.EncodeToString(ca), p.token)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ---------------------------------------------------------------- wait

func waitReady(args []string) error {
	fs := flag.NewFlagSet("wait", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file")
	timeout := fs.Duration("timeout", 3*time.Minute, "how long to wait")
	pid := fs.Int("pid", 0, "give up early when this process is gone")
	_ = fs.Parse(args)
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	cfg.Timeout = 5 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(*timeout)
	var last string
	for time.Now().Before(deadline) {
		if *pid > 0 && !alive(*pid) {
			return fmt.Errorf("server process %d exited (last /readyz answer: %s)", *pid, last)
		}
		body, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background())
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		if err != nil {
			last = err.Error()
		} else {
			last = string(body)
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("not ready after %s: %s", *timeout, last)
}

func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	// Signal 0: existence check only.
	return p.Signal(syscall.Signal(0)) == nil
}

// ---------------------------------------------------------------- crds

func applyCRDs(args []string) error {
	fs := flag.NewFlagSet("crds", flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig file")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for Established")
	_ = fs.Parse(args)
	if fs.NArg() == 0 {
		return errors.New("crds: no files given")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return err
	}
	cs, err := apiextclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var names []string
	for _, file := range fs.Args() {
		raw, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		for i, doc := range splitYAML(raw) {
			js, err := yaml.YAMLToJSON(doc)
			if err != nil {
				return fmt.Errorf("%s: document %d: %w", file, i+1, err)
			}
			var crd apiextv1.CustomResourceDefinition
			if err := yaml.Unmarshal(js, &crd); err != nil {
				return fmt.Errorf("%s: document %d: %w", file, i+1, err)
			}
			if crd.Kind != "CustomResourceDefinition" {
				return fmt.Errorf("%s: document %d is a %q, not a CustomResourceDefinition", file, i+1, crd.Kind)
			}
			force := true
			_, err = cs.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, crd.Name, types.ApplyPatchType, js,
				metav1.PatchOptions{FieldManager: "flinkops-kube", Force: &force})
			if err != nil {
				return fmt.Errorf("apply %s: %w", crd.Name, err)
			}
			names = append(names, crd.Name)
		}
	}
	for _, name := range names {
		for {
			crd, err := cs.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return fmt.Errorf("get %s: %w", name, err)
			}
			if established(crd) {
				fmt.Fprintf(os.Stderr, "flinkops-kube: CRD %s established\n", name)
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CRD %s not established: %w", name, ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	return nil
}

func established(crd *apiextv1.CustomResourceDefinition) bool {
	var est, names bool
	for _, c := range crd.Status.Conditions {
		if c.Status != apiextv1.ConditionTrue {
			continue
		}
		switch c.Type {
		case apiextv1.Established:
			est = true
		case apiextv1.NamesAccepted:
			names = true
		}
	}
	return est && names
}

// splitYAML splits a multi-document YAML stream on lines that are exactly
// "---", dropping documents that hold only comments or whitespace.
func splitYAML(raw []byte) [][]byte {
	var docs [][]byte
	var cur []string
	flush := func() {
		keep := false
		for _, l := range cur {
			t := strings.TrimSpace(l)
			if t != "" && !strings.HasPrefix(t, "#") {
				keep = true
				break
			}
		}
		if keep {
			docs = append(docs, []byte(strings.Join(cur, "\n")))
		}
		cur = nil
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if strings.TrimRight(l, " \t\r") == "---" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return docs
}
