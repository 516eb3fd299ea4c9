// Package checker is a health checker written the way much existing Go
// is: against package net, time and net/http, with no context anywhere.
// Its twin in ../swapped is this file with its imports swapped for coop's.
package checker

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
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
