package testenv

import (
	"bufio"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

var nats probe

// InProcess, as HARMONY_TEST_NATS_URL, starts a NATS server in the test
// process even when one runs on the default address.
const InProcess = "in-process"

// NATSURL returns the URL of the NATS server tests use, or why there is
// none, without a test. Tests call NATS.
//
// HARMONY_TEST_NATS_URL is used as given, except the value "in-process".
// Otherwise a server answering on 127.0.0.1:4222 is used, and when none
// does (or with "in-process"), one is started in this process on a free
// loopback port; it stops when the process ends.
func NATSURL() (string, error) {
	nats.once.Do(func() {
		switch u := os.Getenv(NATSURLVar); u {
		case InProcess:
			nats.addr, nats.err = startNATS()
			return
		case "":
		default:
			nats.addr = u
			return
		}
		if natsAnswers(DefaultNATSURL) == nil {
			nats.addr = DefaultNATSURL
			return
		}
		nats.addr, nats.err = startNATS()
	})
	return nats.addr, nats.err
}

// NATS returns the URL of a NATS server for t. It never skips: without a
// running server one is started in the test process. Tests share it, each
// with subjects of its own.
func NATS(t testing.TB) string {
	t.Helper()
	u, err := NATSURL()
	if err != nil {
		Missing(t, ServiceNATS, err)
	}
	return u
}

// natsAnswers reports whether a NATS server greets on the URL's address:
// a server sends INFO as soon as a client connects.
func natsAnswers(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	c, err := dial(u.Host)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(probeTimeout))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "INFO ") {
		return errors.New("not a NATS server")
	}
	return nil
}

// startNATS runs a NATS server in this process on a free loopback port,
// with the settings of Debian's nats-server (1 MB payloads, no auth).
func startNATS() (string, error) {
	s, err := natsserver.NewServer(&natsserver.Options{
		Host:   "127.0.0.1",
		Port:   natsserver.RANDOM_PORT,
		NoLog:  true,
		NoSigs: true,
	})
	if err != nil {
		return "", fmt.Errorf("start an in-process NATS server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return "", errors.New("the in-process NATS server did not start in 10s")
	}
	return s.ClientURL(), nil
}
