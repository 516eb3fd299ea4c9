package tlsx_test

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"

	"github.com/coop-go/coop/iox"
	net "github.com/coop-go/coop/netx"
	tls "github.com/coop-go/coop/tlsx"
)

// Code written for crypto/tls over package net, as go-redis's options.go
// builds its dialer, compiles and runs once both imports are swapped: the
// dial, the handshake, and the conn's reads and writes are blocking calls
// of the scheduler.
func Example() {
	cert, pool := selfSigned("example.test")
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		fmt.Fprintf(c, "echo: %s", line)
	}()

	netDialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 5 * time.Minute}
	err = iox.Spawn(func(ctx context.Context) error {
		c, err := tls.DialWithDialer(netDialer, "tcp", l.Addr().String(),
			&tls.Config{RootCAs: pool, ServerName: "example.test"})
		if err != nil {
			return err
		}
		defer c.Close()
		fmt.Fprintln(c, "hello")
		reply, err := bufio.NewReader(c).ReadString('\n')
		fmt.Print(reply)
		return err
	}).Wait()
	if err != nil {
		panic(err)
	}
	// Output:
	// echo: hello
}

// A timeout scope bounds a handshake that a server never answers.
func ExampleDialer_DialContext() {
	l, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never speaks TLS
	if err != nil {
		panic(err)
	}
	defer l.Close()

	d := &tls.Dialer{Config: &tls.Config{ServerName: "example.test"}}
	err = iox.Timeout(50*time.Millisecond, func() error {
		c, err := d.DialContext(context.Background(), "tcp", l.Addr().String())
		if err == nil {
			c.Close()
		}
		return err
	})
	fmt.Println(err == iox.ErrTimeout)
	// Output:
	// true
}

// selfSigned returns a certificate for name, and a pool that trusts it.
func selfSigned(name string) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		DNSNames:     []string{name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}
