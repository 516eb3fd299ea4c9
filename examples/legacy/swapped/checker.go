// Package checker is ../plain's health checker with its imports of net,
// net/http and time swapped for coop's netx, httpx and timex, and nothing
// else changed: every dial, read, write, HTTP request and sleep in it is
// now a blocking call of the coop scheduler.
package checker

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	http "github.com/coop-go/coop/httpx"
	time "github.com/coop-go/coop/iox/timex"
	net "github.com/coop-go/coop/netx"
)

// Check probes addr twice, over raw TCP (PING, expecting PONG) and over
// HTTP (GET /health), retrying each probe after a pause, and returns what
// it saw.
func Check(addr string) (string, error) {
	var report []string
	for attempt := 1; ; attempt++ {
		tcp, err := probeTCP(addr)
		if err == nil {
			report = append(report, "tcp: "+tcp)
			break
		}
		if attempt == 3 {
			return "", fmt.Errorf("tcp probe: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for attempt := 1; ; attempt++ {
		health, err := probeHTTP(addr)
		if err == nil {
			report = append(report, "http: "+health)
			break
		}
		if attempt == 3 {
			return "", fmt.Errorf("http probe: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return strings.Join(report, ", "), nil
}

func probeTCP(addr string) (string, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "PING\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(line), err
}

func probeHTTP(addr string) (string, error) {
	resp, err := http.Get("http://" + addr + "/health")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.Status + " " + strings.TrimSpace(string(body)), err
}
