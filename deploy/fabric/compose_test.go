package fabric

import (
	"os"
	"path/filepath"
	"regexp"
	"rxledger/internal/testenv"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// No Docker engine runs where these tests run, so docker-compose.yml and the
// Dockerfile cannot be tried. These tests check what can be checked: the
// compose file parses, every file and directory it and the Dockerfile name
// exists, the build targets exist, and the processes it starts are the ones
// deploy/fabric/scripts/up defines.

// compose is the part of a compose file the checks read.
type compose struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

type service struct {
	Image      string   `yaml:"image"`
	Build      *build   `yaml:"build"`
	Volumes    []string `yaml:"volumes"`
	Entrypoint []string `yaml:"entrypoint"`
	Network    string   `yaml:"network_mode"`
}

type build struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
	Target     string `yaml:"target"`
}

func loadCompose(t *testing.T) (compose, string) {
	t.Helper()
	root := testenv.RepoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatalf("read docker-compose.yml: %v", err)
	}
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("parse docker-compose.yml: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return c, root
}

func mustExist(t *testing.T, path, what string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("%s: %v", what, err)
	}
}

func TestComposeNamesOnlyWhatExists(t *testing.T) {
	c, root := loadCompose(t)
	for name, s := range c.Services {
		t.Run(name, func(t *testing.T) {
			if s.Image == "" && s.Build == nil {
				t.Error("neither image nor build")
			}
			if s.Network != "host" {
				t.Errorf("network_mode %q: the configuration of deploy/fabric listens on 127.0.0.1, so every service needs the host's network", s.Network)
			}
			if b := s.Build; b != nil {
				context := filepath.Join(root, b.Context)
				mustExist(t, context, "build context "+b.Context)
				dockerfile := filepath.Join(context, b.Dockerfile)
				mustExist(t, dockerfile, "Dockerfile "+b.Dockerfile)
				if raw, err := os.ReadFile(dockerfile); err == nil && b.Target != "" {
					if !regexp.MustCompile(`(?mi)^FROM\s+\S+\s+AS\s+` + regexp.QuoteMeta(b.Target) + `\s*$`).Match(raw) {
						t.Errorf("build target %q is not a stage of %s", b.Target, b.Dockerfile)
					}
				}
			}
			for _, v := range s.Volumes {
				source, _, _ := strings.Cut(v, ":")
				if strings.HasPrefix(source, "./") || strings.HasPrefix(source, "../") {
					mustExist(t, filepath.Join(root, source), "bind mount "+source)
				} else if _, ok := c.Volumes[source]; !ok {
					t.Errorf("volume %q is neither a path nor a declared volume", source)
				}
			}
		})
	}
}

func TestComposeUsesTheOfficialFabricImages(t *testing.T) {
	c, _ := loadCompose(t)
	want := map[string]string{"orderer0": "hyperledger/fabric-orderer:2.5"}
	for _, org := range orgs(t) {
		want["peer-"+org] = "hyperledger/fabric-peer:2.5"
	}
	for name, image := range want {
		if got := c.Services[name].Image; got != image {
			t.Errorf("service %s: image %q, want %q", name, got, image)
		}
	}
	if _, ok := c.Services["redis"]; !ok {
		t.Error("no redis service")
	}
}

// orgs reads the organisations of the network from scripts/lib.sh.
func orgs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("scripts", "lib.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ORGS=\(([^)]*)\)`).FindSubmatch(raw)
	if m == nil {
		t.Fatal("scripts/lib.sh has no ORGS=(...) line")
	}
	return strings.Fields(string(m[1]))
}

// TestComposeRunsTheProcessesUpDefines checks that the containers start
// exactly the run scripts scripts/up writes: the orderer, a peer per
// organisation and a chaincode server per organisation.
func TestComposeRunsTheProcessesUpDefines(t *testing.T) {
	c, _ := loadCompose(t)
	runScript := regexp.MustCompile(`^/var/rxledger-fabric/run/([a-z0-9-]+)\.sh$`)
	var started []string
	for name, s := range c.Services {
		for _, arg := range s.Entrypoint {
			if m := runScript.FindStringSubmatch(arg); m != nil {
				if m[1] != name {
					t.Errorf("service %s runs %s's run script", name, m[1])
				}
				started = append(started, m[1])
			}
		}
	}
	want := []string{"orderer0"}
	for _, org := range orgs(t) {
		want = append(want, "peer-"+org, "cc-rxledger-"+org)
	}
	slices.Sort(started)
	slices.Sort(want)
	if !slices.Equal(started, want) {
		t.Errorf("run scripts started %v, want %v", started, want)
	}
}

// TestDockerfileNamesOnlyWhatExists checks the Dockerfile's COPY sources and
// the packages it builds.
func TestDockerfileNamesOnlyWhatExists(t *testing.T) {
	root := testenv.RepoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatalf("read Dockerfile: %v", err)
	}
	copyLine := regexp.MustCompile(`(?m)^COPY\s+(.+)$`)
	for _, m := range copyLine.FindAllStringSubmatch(string(raw), -1) {
		args := strings.Fields(m[1])
		if strings.HasPrefix(args[0], "--from=") {
			continue // from another stage
		}
		for _, src := range args[:len(args)-1] {
			if src == "." {
				continue
			}
			mustExist(t, filepath.Join(root, src), "COPY source "+src)
		}
	}
	pkg := regexp.MustCompile(`go build [^\n]*?(\./[A-Za-z0-9_/.-]+)`)
	found := pkg.FindAllStringSubmatch(string(raw), -1)
	if len(found) == 0 {
		t.Fatal("the Dockerfile builds no package")
	}
	for _, m := range found {
		mustExist(t, filepath.Join(root, m[1]), "built package "+m[1])
	}
}
