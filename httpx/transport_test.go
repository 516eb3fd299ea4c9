package httpx

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coop-go/coop/iox"
	"github.com/coop-go/coop/iox/ioxtest"
)

// A round trip is one event with its phases, and the body's reads are
// read events of the same task.
func TestRoundTripEvents(t *testing.T) {
	c := NewClient()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }, c)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		for range 2 {
			resp, err := c.Get(srv.URL)
			if err != nil {
				return err
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || string(b) != "hello" {
				return fmt.Errorf("body = %q, %v", b, err)
			}
		}
		return nil
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	rts := log.Of(iox.OpRoundTrip)
	if len(rts) != 2 {
		t.Fatalf("%d round trip events, want 2", len(rts))
	}
	for i, e := range rts {
		info, ok := e.Detail.(RoundTripInfo)
		if e.Task != tk || e.Target != "GET "+host || e.Err != nil || !ok {
			t.Fatalf("round trip %d: event %+v, want task %v, target %q", i, e, tk, "GET "+host)
		}
		if info.Status != 200 || info.Proto != "HTTP/1.1" || info.Reused != (i == 1) || info.FirstByte <= 0 {
			t.Errorf("round trip %d: %+v, want status 200, HTTP/1.1, reused %v, a first byte", i, info, i == 1)
		}
		if i == 0 && info.Connect <= 0 {
			t.Errorf("first round trip: Connect = %v, want the connect's time", info.Connect)
		}
		if i == 1 && info.Connect != 0 {
			t.Errorf("reused connection: Connect = %v, want 0", info.Connect)
		}
	}
	bytes := 0
	for _, e := range log.Of(iox.OpRead) {
		if e.Target == "GET "+host && e.Task == tk {
			bytes += e.Bytes
		}
	}
	if bytes != 10 {
		t.Errorf("body reads moved %d bytes, want 10", bytes)
	}
	if dials := log.Of(iox.OpDial); len(dials) != 1 || dials[0].Task != tk || dials[0].Target != host {
		t.Errorf("dial events %+v, want one dial of %s for %v", dials, host, tk)
	}
}

// A kill while the server has not answered ends the round trip at once
// with the kill's error.
func TestKillWhileHeadersStall(t *testing.T) {
	entered := make(chan struct{})
	c := NewClient()
	srv := newServer(t, stall(entered, ""), c)
	s := iox.New()
	defer s.Close()
	var getErr error
	tk := s.Go(func(ctx context.Context) error {
		_, getErr = c.Get(srv.URL)
		return getErr
	})
	<-entered
	start := time.Now()
	tk.Kill(errReason)
	err := tk.Wait()
	within(t, "kill to return", time.Since(start), time.Second)
	if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
		t.Fatalf("Get = %v, want the kill", err)
	}
	var ue *url.Error
	if !errors.As(getErr, &ue) {
		t.Errorf("Get error %T, want a *url.Error as net/http gives", getErr)
	}
}

// A timeout scope bounds a round trip, on a task and on a plain
// goroutine.
func TestScopeWhileHeadersStall(t *testing.T) {
	entered := make(chan struct{}, 2)
	c := NewClient()
	srv := newServer(t, stall(entered, ""), c)
	get := func() error {
		return iox.Timeout(50*time.Millisecond, func() error {
			_, err := c.Get(srv.URL)
			return err
		})
	}
	start := time.Now()
	if err := get(); !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("Get in a scope on a plain goroutine = %v, want ErrTimeout", err)
	}
	within(t, "scope of 50ms", time.Since(start), time.Second)
	tk := iox.Spawn(func(ctx context.Context) error { return get() })
	if err := tk.Wait(); !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("Get in a scope in a task = %v, want ErrTimeout", err)
	}
}

// A kill that lands while a body read blocks mid-stream ends the read at
// once with the kill's error; what was read before is kept.
func TestKillBodyMidStream(t *testing.T) {
	for _, h2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "HTTP/1.1", true: "HTTP/2"}[h2], func(t *testing.T) {
			entered := make(chan struct{}, 1)
			c, srvURL := bodyServer(t, h2, stall(entered, "partial"))
			reading := make(chan struct{}, 8)
			setHook(t, &testHookRead, func() { reading <- struct{}{} })
			s := iox.New()
			defer s.Close()
			var got []byte
			var readErr error
			tk := s.Go(func(ctx context.Context) error {
				resp, err := c.Get(srvURL)
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				got, readErr = io.ReadAll(resp.Body)
				return readErr
			})
			<-entered
			// The first read gets the part sent; the second blocks.
			<-reading
			<-reading
			start := time.Now()
			tk.Kill(errReason)
			err := tk.Wait()
			within(t, "kill to return", time.Since(start), time.Second)
			if !errors.Is(err, iox.ErrKilled) || !errors.Is(err, errReason) {
				t.Fatalf("body read = %v, want the kill", err)
			}
			if string(got) != "partial" {
				t.Errorf("read %q before the kill, want %q", got, "partial")
			}
		})
	}
}

// A scope bounds the body reads made inside it, and only those.
func TestScopeBodyMidStream(t *testing.T) {
	entered := make(chan struct{}, 1)
	c := NewClient()
	srv := newServer(t, stall(entered, "partial"), c)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	<-entered
	buf := make([]byte, 7)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	err = iox.Timeout(30*time.Millisecond, func() error {
		_, err := resp.Body.Read(buf)
		return err
	})
	if !errors.Is(err, iox.ErrTimeout) {
		t.Fatalf("body read in a scope = %v, want ErrTimeout", err)
	}
}

// A scope that has ended does not bind a body read after it.
func TestScopeEndsWithItsCall(t *testing.T) {
	next := make(chan struct{})
	c := NewClient()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4")
		w.Write([]byte("ab"))
		w.(http.Flusher).Flush()
		<-next
		w.Write([]byte("cd"))
	}, c)
	var resp *http.Response
	// The scope is long enough for the request to be answered even on a
	// loaded machine (20 ms was not always), and the rest of the body
	// arrives after its deadline.
	const scope = 300 * time.Millisecond
	deadline := time.Now().Add(scope)
	err := iox.Timeout(scope, func() error {
		var err error
		resp, err = c.Get(srv.URL)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	tm := time.AfterFunc(time.Until(deadline)+50*time.Millisecond, func() { close(next) })
	defer tm.Stop()
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "abcd" {
		t.Fatalf("body after the scope = %q, %v; want all of it", b, err)
	}
}

// A request made on a plain goroutine with a task's context is reported
// for the task and ends with its kill.
func TestRequestContextCarriesTask(t *testing.T) {
	entered := make(chan struct{}, 1)
	c := NewClient()
	srv := newServer(t, stall(entered, ""), c)
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	errc := make(chan error, 1)
	release := make(chan struct{})
	tk := s.Go(func(ctx context.Context) error {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
			_, err := c.Do(req)
			errc <- err
		}()
		<-release
		return nil
	})
	<-entered
	tk.Kill(errReason)
	if err := <-errc; !errors.Is(err, iox.ErrKilled) {
		t.Fatalf("Do = %v, want the kill", err)
	}
	close(release)
	tk.Wait()
	if rts := log.Of(iox.OpRoundTrip); len(rts) != 1 || rts[0].Task != tk || !errors.Is(rts[0].Err, iox.ErrKilled) {
		t.Fatalf("round trip events %+v, want one, killed, for %v", rts, tk)
	}
}

// With nothing in force a round trip goes straight to net/http.
func TestNothingInForce(t *testing.T) {
	c := NewClient()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "x") }, c)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, wrapped := resp.Body.(*body); wrapped {
		t.Errorf("body is httpx's with nothing in force; want net/http's own")
	}
}

// A killed task's request is not sent.
func TestKilledTaskSendsNothing(t *testing.T) {
	c := NewClient()
	sent := make(chan struct{}, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { sent <- struct{}{} }, c)
	tk := iox.Spawn(func(ctx context.Context) error {
		iox.Current().Kill(errReason)
		_, err := c.Get(srv.URL)
		return err
	})
	if err := tk.Wait(); !errors.Is(err, errReason) {
		t.Fatalf("Get in a killed task = %v, want the kill", err)
	}
	select {
	case <-sent:
		t.Fatal("the request was sent")
	default:
	}
}

// A user's dial function is a blocking call and its conns are netx's.
func TestCustomDial(t *testing.T) {
	var nd net.Dialer
	tr := &Transport{DialContext: nd.DialContext}
	c := &http.Client{Transport: tr}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "x") }, c)
	log, plain := &ioxtest.Recorder{}, &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	defer iox.Default().Observe(plain)()
	tk := s.Go(func(ctx context.Context) error {
		resp, err := c.Get(srv.URL)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	if d := log.Of(iox.OpDial); len(d) != 1 || d[0].Target != host || d[0].Task != tk {
		t.Errorf("dial events %+v, want one dial of %s for the task", d, host)
	}
	// The conn's writes, made by net/http's writing goroutine, are calls
	// of no task.
	if w := plain.Of(iox.OpWrite); len(w) == 0 {
		t.Errorf("no write event: the dialed conn is not netx's")
	}
}

// netxDialing keeps HTTP/2 on where net/http would have used it.
func TestNetxDialingKeepsHTTP2(t *testing.T) {
	cases := []struct {
		name string
		tr   *http.Transport
		want bool
	}{
		{"zero", &http.Transport{}, true},
		{"forced", &http.Transport{ForceAttemptHTTP2: true, DialContext: (&net.Dialer{}).DialContext}, true},
		{"custom dial", &http.Transport{DialContext: (&net.Dialer{}).DialContext}, false},
		{"TLS config", &http.Transport{TLSClientConfig: nil}, true},
		{"empty TLSNextProto", &http.Transport{TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}, false},
	}
	for _, tc := range cases {
		netxDialing(tc.tr)
		if tc.tr.ForceAttemptHTTP2 != tc.want || tc.tr.DialContext == nil {
			t.Errorf("%s: ForceAttemptHTTP2 = %v, want %v", tc.name, tc.tr.ForceAttemptHTTP2, tc.want)
		}
	}
}

// Clone copies the fields deeply, as http.Transport.Clone does.
func TestTransportClone(t *testing.T) {
	tr := &Transport{MaxIdleConns: 7, MaxRequestsPerHost: 3, ProxyConnectHeader: Header{"A": {"b"}}, HTTP2: &HTTP2Config{MaxReadFrameSize: 1 << 20}}
	c := tr.Clone()
	if c.MaxIdleConns != 7 || c.MaxRequestsPerHost != 3 || c.HTTP2.MaxReadFrameSize != 1<<20 {
		t.Fatalf("Clone = %+v", c)
	}
	c.ProxyConnectHeader.Set("A", "c")
	c.HTTP2.MaxReadFrameSize = 0
	if tr.ProxyConnectHeader.Get("A") != "b" || tr.HTTP2.MaxReadFrameSize != 1<<20 {
		t.Fatalf("Clone shares state with the original")
	}
}

// A registered protocol's round trips are blocking calls too.
func TestRegisterProtocol(t *testing.T) {
	tr := &Transport{}
	tr.RegisterProtocol("test", roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 204, Body: http.NoBody, Request: r}, nil
	}))
	log := &ioxtest.Recorder{}
	s := iox.New(iox.WithObserver(log))
	defer s.Close()
	tk := s.Go(func(ctx context.Context) error {
		resp, err := (&http.Client{Transport: tr}).Get("test://somewhere/x")
		if err != nil {
			return err
		}
		if resp.StatusCode != 204 {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
	if err := tk.Wait(); err != nil {
		t.Fatal(err)
	}
	if rts := log.Of(iox.OpRoundTrip); len(rts) != 1 || rts[0].Target != "GET somewhere" {
		t.Fatalf("round trip events %+v, want one for GET somewhere", rts)
	}
}

// CancelRequest cancels a request in flight, as net/http's deprecated
// method does.
func TestCancelRequest(t *testing.T) {
	entered := make(chan struct{}, 1)
	tr := &Transport{}
	c := &http.Client{Transport: tr}
	srv := newServer(t, stall(entered, "partial"), c)
	s := iox.New()
	defer s.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	tk := s.Go(func(ctx context.Context) error {
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return err
	})
	<-entered
	tr.CancelRequest(req)
	if err := tk.Wait(); err == nil {
		t.Fatal("a cancelled request succeeded")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
