// Package dialer cannot be swapped while crypto/tls is not: it hands a
// *net.Dialer to tls.DialWithDialer, which wants package net's own.
package dialer

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"time"
)

// New returns the dialer DialTLS uses.
func New() *net.Dialer { return &net.Dialer{Timeout: 5 * time.Second} }

// DialTLS dials addr with TLS.
func DialTLS(addr string) (*tls.Conn, error) {
	return tls.DialWithDialer(New(), "tcp", addr, &tls.Config{MinVersion: tls.VersionTLS12})
}

// ClientTransport returns the type of net/http's DefaultClient's Transport.
func ClientTransport() string { return fmt.Sprintf("%T", http.DefaultClient.Transport) }
