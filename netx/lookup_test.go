package netx

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// silentDNS is a UDP "DNS server" on loopback that never answers; asked
// gets a value for every query it receives. It returns the server's
// address.
func silentDNS(t *testing.T) (addr string, asked <-chan struct{}) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 100)
	done := make(chan struct{})
	t.Cleanup(func() { pc.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 512)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	return pc.LocalAddr().String(), ch
}

// silentResolver resolves with silentDNS.
func silentResolver(t *testing.T) (*Resolver, <-chan struct{}) {
	addr, asked := silentDNS(t)
	return &Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			var d Dialer
			return d.DialContext(ctx, "udp", addr)
		},
	}, asked
}

func TestKillBlockedLookup(t *testing.T) {
	r, _ := silentResolver(t)
	err := killWhileBlocked(t, iox.OpLookup, func(ctx context.Context) error {
		_, err := r.LookupHost(ctx, "example.invalid")
		return err
	})
	var de *net.DNSError
	if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) || !errors.As(err, &de) {
		t.Fatalf("lookup ended with %v, want a *net.DNSError matching the kill", err)
	}
}

func TestScopeBoundsLookup(t *testing.T) {
	r, _ := silentResolver(t)
	err := iox.Timeout(30*time.Millisecond, func() error {
		_, err := r.LookupIPAddr(context.Background(), "example.invalid")
		return err
	})
	var de *net.DNSError
	if !errors.Is(err, iox.ErrTimeout) || !errors.As(err, &de) || !de.IsTimeout {
		t.Fatalf("lookup under a scope = %v, want a timeout *net.DNSError matching iox.ErrTimeout", err)
	}
}

func TestLookupsWork(t *testing.T) {
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	err := s.Go(func(ctx context.Context) error {
		addrs, err := LookupHost("localhost")
		if err != nil || len(addrs) == 0 {
			return errors.Join(err, errors.New("no addresses for localhost"))
		}
		if _, err := ResolveTCPAddr("tcp", "localhost:80"); err != nil {
			return err
		}
		port, err := LookupPort("tcp", "http")
		if err != nil || port != 80 {
			return errors.Join(err, errors.New("port of http is not 80"))
		}
		return nil
	}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if evs := log.Of(iox.OpLookup); len(evs) != 3 || evs[0].Target != "localhost" {
		t.Fatalf("lookup events = %+v, want 3, the first on localhost", evs)
	}
}

func TestPatchResolver(t *testing.T) {
	preferGo := net.DefaultResolver.PreferGo
	addr, asked := silentDNS(t)
	// Code that still uses package net, with its own resolver dial.
	net.DefaultResolver.Dial = func(ctx context.Context, network, address string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", addr)
	}
	defer func() { net.DefaultResolver.Dial = nil }()
	undo := PatchResolver()
	if !net.DefaultResolver.PreferGo {
		t.Fatal("PatchResolver did not set PreferGo")
	}
	// A lookup through package net in a task: its DNS exchanges end when
	// the task is killed, not at the DNS timeout.
	s := iox.New()
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		_, err := net.DefaultResolver.LookupHost(ctx, "example.invalid")
		return err
	})
	<-asked // the query is out; the lookup waits for an answer
	tk.Kill(errReason)
	if err := tk.Wait(); !errors.Is(err, context.Canceled) {
		t.Fatalf("net.DefaultResolver lookup ended with %v, want it cancelled by the kill", err)
	}
	undo()
	undo()
	if net.DefaultResolver.PreferGo != preferGo || net.DefaultResolver.Dial == nil {
		t.Fatal("undo did not restore net.DefaultResolver")
	}
}
