module github.com/coop-go/coop

go 1.25

require (
	github.com/petermattis/goid v0.0.0-20261109124353-7cfa343ad0ab
	go.uber.org/goleak v1.3.0
)
