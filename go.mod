module github.com/coop-go/coop

go 1.25.0

require (
	github.com/chromedp/chromedp v0.23.1
	github.com/google/pprof v0.0.0-20260709232956-b9395ee17fa0
	github.com/gorilla/websocket v1.5.3
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/petermattis/goid v0.0.0-20261109124353-7cfa343ad0ab
	go.uber.org/goleak v1.3.0
	golang.org/x/exp v0.0.0-20260813180055-c1d0aacb2297
	golang.org/x/net v0.58.0
	golang.org/x/term v0.45.0
	golang.org/x/tools v0.49.0
)

require (
	github.com/chromedp/cdproto v0.160.1 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	golang.org/x/mod v0.39.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
