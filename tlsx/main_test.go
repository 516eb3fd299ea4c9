package tlsx

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errReason = errors.New("reason")

// testName is the server name the test certificate is for.
const testName = "coop.test"

// testCert is a self-signed certificate for testName and 127.0.0.1, made
// once per process, with a pool that trusts it.
var testCert = sync.OnceValues(func() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: testName},
		DNSNames:              []string{testName},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
})

// serverConfig is a server's configuration with the test certificate.
func serverConfig() *Config {
	cert, _ := testCert()
	return &Config{Certificates: []Certificate{cert}}
}

// clientConfig trusts the test certificate, for testName.
func clientConfig() *Config {
	_, pool := testCert()
	return &Config{RootCAs: pool, ServerName: testName}
}

// listen starts a tlsx listener on loopback, closed when the test ends.
func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := Listen("tcp", "127.0.0.1:0", serverConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// stallServer accepts on a tlsx listener and holds each conn without
// reading or writing: a handshake against it waits for the server's
// first flight forever. It returns the listener's address.
func stallServer(t testing.TB) string {
	t.Helper()
	l := listen(t)
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	return l.Addr().String()
}

// blockedIn waits until task tk of s is in a blocking call of the given
// kind, as the scheduler's Snapshot shows.
func blockedIn(t testing.TB, s *iox.Scheduler, tk *iox.Task, kind iox.OpKind) {
	t.Helper()
	for {
		select {
		case <-tk.Done():
			t.Fatalf("task ended with %v before blocking in %v", tk.Err(), kind)
		default:
		}
		if st, ok := s.Snapshot().Task(tk.ID()); ok && st.State == iox.Blocked && st.Op == kind {
			return
		}
		iox.Yield()
	}
}

// killWhileBlocked runs call as a task of s, waits until it blocks in a
// call of the given kind, kills it, and returns how long the task took to
// end after the kill and the task's error.
func killWhileBlocked(t testing.TB, s *iox.Scheduler, kind iox.OpKind, call func(ctx context.Context) error) (time.Duration, error) {
	t.Helper()
	tk := s.Go(call)
	blockedIn(t, s, tk, kind)
	start := time.Now()
	tk.Kill(errReason)
	<-tk.Done()
	return time.Since(start), tk.Err()
}
