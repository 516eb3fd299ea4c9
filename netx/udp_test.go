package netx

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
)

func TestUDPReadFromIsKillableAndScoped(t *testing.T) {
	pc, err := ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, ok := pc.(*UDPConn); !ok {
		t.Fatalf("ListenPacket(udp) = %T, want *netx.UDPConn", pc)
	}
	err = killWhileBlocked(t, iox.OpRead, func(ctx context.Context) error {
		_, _, err := pc.ReadFrom(make([]byte, 10))
		return err
	})
	isKill(t, err, "read")
	err = iox.Timeout(10*time.Millisecond, func() error {
		_, _, err := pc.ReadFrom(make([]byte, 10))
		return err
	})
	if !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("ReadFrom under a scope = %v", err)
	}
	// It still receives.
	c, err := Dial("udp", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("ping"))
	buf := make([]byte, 10)
	n, from, err := pc.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "ping" || from == nil {
		t.Fatalf("ReadFrom = %q from %v, %v", buf[:n], from, err)
	}
	if _, err := pc.WriteTo([]byte("pong"), from); err != nil {
		t.Fatal(err)
	}
	n, err = c.Read(buf)
	if err != nil || string(buf[:n]) != "pong" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	uc := pc.(*UDPConn)
	c.Write([]byte("again"))
	n, ap, err := uc.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "again" || !ap.IsValid() {
		t.Fatalf("ReadFromUDPAddrPort = %q from %v, %v", buf[:n], ap, err)
	}
}
