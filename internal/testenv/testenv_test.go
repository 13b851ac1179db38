package testenv

import (
	"bufio"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	natsclient "github.com/nats-io/nats.go"
)

// The in-process server serves a publish and a subscribe, as the bus does.
func TestStartNATS(t *testing.T) {
	u, err := startNATS()
	if err != nil {
		t.Fatal(err)
	}
	if err := natsAnswers(u); err != nil {
		t.Fatalf("the in-process server at %s does not greet: %v", u, err)
	}
	nc, err := natsclient.Connect(u)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	sub, err := nc.SubscribeSync("testenv.hello")
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Publish("testenv.hello", []byte("hi")); err != nil {
		t.Fatal(err)
	}
	m, err := sub.NextMsg(5 * time.Second)
	if err != nil || string(m.Data) != "hi" {
		t.Fatalf("received %v, %v", m, err)
	}
}

// serve answers each connection on a loopback port with greeting.
func serve(t *testing.T, greeting string) string {
	t.Helper()
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				if greeting == "" { // a Redis: answer the PING
					_, _ = bufio.NewReader(c).ReadString('\n')
					_, _ = c.Write([]byte("+PONG\r\n"))
					return
				}
				_, _ = c.Write([]byte(greeting))
			}()
		}
	}()
	return l.Addr().String()
}

func TestProbes(t *testing.T) {
	redis := serve(t, "")
	if err := ping(redis); err != nil {
		t.Errorf("a Redis that answers PONG: %v", err)
	}
	if err := ping(serve(t, "-ERR unknown\r\n")); err == nil {
		t.Error("a server that does not answer PONG passed for a Redis")
	}
	if err := natsAnswers("nats://" + serve(t, "INFO {}\r\n")); err != nil {
		t.Errorf("a server that greets with INFO: %v", err)
	}
	if err := natsAnswers("nats://" + redis); err == nil {
		t.Error("a server that does not greet with INFO passed for NATS")
	}
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	_ = l.Close()
	if err := ping(closed); err == nil {
		t.Error("a closed port passed for a Redis")
	}
}

// A skip is recorded, one tab-separated line per skip, without the
// password of a DSN.
func TestRecord(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(SkipsDirVar, dir)
	Record(ServicePostgreSQL, "TestA", errors.New("no PostgreSQL at "+hostOf("postgres://u:hunter2@db:5432/x")+": refused"))
	Record(ServiceRedis, "TestB", errors.New("no Redis at 127.0.0.1:6379:\nrefused"))
	files, _ := filepath.Glob(filepath.Join(dir, "skips-*.tsv"))
	if len(files) != 1 {
		t.Fatalf("files %v, want one for this process", files)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines:\n%s", b)
	}
	for i, want := range []string{"PostgreSQL\tinternal/testenv TestA\tno PostgreSQL at db:5432: refused", "Redis\tinternal/testenv TestB\tno Redis at 127.0.0.1:6379: refused"} {
		if lines[i] != want {
			t.Errorf("line %d = %q, want %q", i, lines[i], want)
		}
	}
	if strings.Contains(string(b), "hunter2") {
		t.Error("a password was recorded")
	}
}

func TestRequired(t *testing.T) {
	t.Setenv("CI", "")
	if Required() {
		t.Error("required without CI")
	}
	t.Setenv("CI", "true")
	if !Required() {
		t.Error("not required on CI")
	}
}
