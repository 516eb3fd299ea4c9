// Package plain does not use coop: its imports are its own business
// (coop build swaps them), and nothing is reported.
package plain

import (
	"net"
	"net/http"
	"time"
)

func Fetch(addr string) error {
	time.Sleep(time.Millisecond)
	if _, err := net.Dial("tcp", addr); err != nil {
		return err
	}
	c := &http.Client{}
	_, err := c.Get("http://" + addr)
	return err
}
