package sim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/coop-go/coop/netx"
	"golang.org/x/net/nettest"
)

// pipeOn makes a nettest pipe: a conn dialed from host a to a listener on
// host b, both ends wrapped by netx.
func pipeOn(a, b *Endpoint) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		l, err := b.Listen("tcp", ":0")
		if err != nil {
			return nil, nil, nil, err
		}
		defer l.Close()
		accepted := make(chan net.Conn, 1)
		go func() {
			c, _ := l.Accept()
			accepted <- c
		}()
		c, err := a.DialContext(t0(), "tcp", l.Addr().String())
		if err != nil {
			return nil, nil, nil, err
		}
		s := <-accepted
		c1, c2 = netx.Wrap(c), netx.Wrap(s)
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	}
}

// Sim conns pass x/net/nettest's conformance suite outside any world, as
// the in-memory network ordinary tests can use, on the real clock.
func TestConnConformanceOutsideAWorld(t *testing.T) {
	n := NewNetwork()
	nettest.TestConn(t, pipeOn(n.Host("a"), n.Host("b")))
}

// And inside a world, dialed and listened through netx as a world's code
// does, on the virtual clock.
func TestConnConformanceInAWorld(t *testing.T) {
	Test(t, 11, func(w *World) {
		nettest.TestConn(t, func() (c1, c2 net.Conn, stop func(), err error) {
			l, err := netx.Listen("tcp", ":0")
			if err != nil {
				return nil, nil, nil, err
			}
			defer l.Close()
			accepted := make(chan net.Conn, 1)
			go func() {
				c, _ := l.Accept()
				accepted <- c
			}()
			c1, err = netx.Dial("tcp", l.Addr().String())
			if err != nil {
				return nil, nil, nil, err
			}
			c2 = <-accepted
			return c1, c2, func() { c1.Close(); c2.Close() }, nil
		})
	})
}

// crypto/tls handshakes over a sim conn, in a world, and the bytes pass.
func TestTLSOverSimConn(t *testing.T) {
	cert := selfSigned(t)
	Test(t, 12, func(w *World) {
		l, err := netx.Listen("tcp", ":443")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		done := make(chan error, 1)
		go func() {
			c, err := l.Accept()
			if err != nil {
				done <- err
				return
			}
			s := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}})
			defer s.Close()
			_, err = io.Copy(s, s)
			done <- err
		}()
		raw, err := netx.Dial("tcp", "localhost:443")
		if err != nil {
			t.Fatal(err)
		}
		c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
		if err := c.Handshake(); err != nil {
			t.Fatalf("handshake over a sim conn: %v", err)
		}
		c.Write([]byte("over tls"))
		buf := make([]byte, 8)
		if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "over tls" {
			t.Fatalf("echo over tls: %q, %v", buf, err)
		}
		c.Close()
		<-done
	})
}

func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "sim"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC), // the world starts in 2000
		NotAfter:     time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func t0() context.Context { return context.Background() }
