// A small service, for the build-cost benchmark: websocket clients
// publish to a Redis channel and receive what others publish, with
// Prometheus metrics and a health check.
package main

import (
	"context"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

var (
	addr      = flag.String("addr", "127.0.0.1:8080", "listen address")
	redisAddr = flag.String("redis", "127.0.0.1:6379", "Redis address")
	messages  = promauto.NewCounter(prometheus.CounterOpts{Name: "chat_messages_total", Help: "Messages published."})
	upgrader  = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
)

func main() {
	flag.Parse()
	rdb := redis.NewClient(&redis.Options{Addr: *redisAddr, DialTimeout: 2 * time.Second})
	http.Handle("/metrics", promhttp.Handler())
	http.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := rdb.Ping(ctx).Err(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	http.HandleFunc("/chat", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		sub := rdb.Subscribe(r.Context(), "chat")
		defer sub.Close()
		go func() {
			for msg := range sub.Channel() {
				if conn.WriteMessage(websocket.TextMessage, []byte(msg.Payload)) != nil {
					return
				}
			}
		}()
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			messages.Inc()
			rdb.Publish(r.Context(), "chat", data)
		}
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
