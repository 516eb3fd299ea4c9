/*
Coop patches a whole program at build time, as gevent's monkey.patch_all()
patches one at run time: every package of the build but the standard
library's and coop's own, the program's dependencies included, has its
imports of net, time, net/http and crypto/tls swapped for coop's drop-ins
(netx, iox/timex, httpx, tlsx), so that the database drivers, SDKs and
clients a program uses make their blocking calls through coop's scheduler
without a line of them edited; coop top watches a program that serves
coop's live page.

Usage:

	go run github.com/coop-go/coop/cmd/coop <command> [coop flags] [go flags] [packages] [arguments]

The commands are:

	build   go build, patched
	run     go run, patched: builds the program, then runs it
	test    go test, patched
	vet     the analyzer for the blocking calls coop cannot see
	top     a terminal view of a running program's tasks: coop top URL reads
	        the JSON of the live page that package live serves at URL
	        (coop top -h lists its flags; q quits)

The go flags, packages and arguments of build, run and test are the go
command's, as go build, go run and go test take them. The coop flags come first:

	-report          print every package's verdict: swapped (and what), left
	                 (and why), skipped, unchanged
	-only patterns   swap only the packages that match (comma-separated
	                 import path patterns, as go list takes them: "x/...")
	-skip patterns   do not swap the packages that match
	-swap list       the standard packages to swap, comma-separated (by
	                 default every one coop has a drop-in for), as
	                 patch_all(socket=False) leaves some alone; crypto/tls
	                 only if the coop module in use has tlsx
	-coop dir|vers   the coop module to use (see below; env COOP_MODULE)
	-x               print the go commands coop runs

# How it works

Nothing on disk changes. coop lists the build graph (go list -deps -json,
with -test for test), rewrites the import lines of the files of every
package that imports net, time, net/http or crypto/tls (keeping each file's import
name, so that the rest of the file compiles as it was, and each line where
it was), and hands the rewritten files to the go command with -overlay.
The go command refuses an overlay of files beneath GOMODCACHE, so each
dependency module with files to rewrite gets a mirror in coop's cache: a
tree of hard links to the module cache's files, which the build points at
with a replace directive for that module version only; the overlay then
replaces the mirror's files. The build's go.mod is its own (-modfile):
the user's, with coop required if it was not and the mirrors' replace
directives, and a go.sum that is the user's and coop's.

Before the build proper, coop checks that the patched build compiles, with
go list -e -export (which compiles every package, test variants too,
without linking, into the go build cache the build then finds warm). A
package that does not compile once swapped (it hands a *net.Dialer to
crypto/tls, which wants package net's own, in a build run with -swap
net,time,net/http) is left as it was, and the
compiler's message is the reason the report gives; a package that was not
swapped but no longer compiles because of what a swapped import now gives
it (a *httpx.Transport where it wants net/http's) has those imports left
instead. coop then checks again, until the build compiles. A package that
coop's drop-ins themselves import cannot be swapped either (swapped, it
would import them: an import cycle), and the report says so. Left packages
are printed on every build; -report prints every package.

A second build of an unchanged program reuses everything: the rewritten
files are kept by the hash of the originals, the mirrors by module
version, the go.mod, go.sum and overlay by their contents, and the
compile check's verdicts under a key made of all it depends on (the
overlay, the go.mod and go.sum, the flags, the environment, and the size
and modification time of every file outside the module cache, coop's
included). After an edit, only the changed files are rewritten; build and
run keep the verdicts of the packages that did not change and build at
once, checking again only if that build fails in a way coop may have
caused (in a package it swapped, or naming a drop-in's type); the go build
cache does the rest. The cache is $COOP_CACHE, else coop/ in the user's cache
directory beside the go build cache; it can be deleted at any time.

# Start-up

In a program built by build or run, coop adds a file to package main (in
the overlay only) whose main, before the program's (renamed coop_main):

  - calls httpx.PatchDefault, so that clients with a nil Transport, and
    http.Get in packages left unswapped, go through coop too;
  - runs the program's main as a task named "main", of a scheduler of its
    own also named "main": what the program blocks in shows in that
    scheduler's Snapshot and a kill ends the call, as gevent runs a program
    in its main greenlet. A panic ends the process as a panic in main
    would; a kill that unwinds main ends it with status 1 and says so.

In a test binary, a file added to each package under test calls
PatchDefault before the tests run. COOP_NOPATCH=1 in the environment turns
all of this off at run time (the imports stay swapped); a program that
needs its main on the main thread (runtime.LockOSThread in an init, as
graphics programs do) needs it.

COOP_CONTROL=ADDR makes a program built by coop serve a small control
endpoint on ADDR (127.0.0.1:0 picks a free port; the address is printed
to standard error): GET /snapshot prints the Snapshot of the main
scheduler and of iox.Default (with ?until=KIND, once a task of main's is
blocked in a call of that kind, "read" say), and POST /kill kills the
main task. It is the least a test of an unmodified program needs; the live
view (coop's live package) is the full one.

# Which coop module

The patched program uses the coop module its go.mod requires, if it
requires one. Otherwise coop adds one to the build's go.mod: the one -coop
(or COOP_MODULE) names, a checkout (required at
v0.0.0-00010101000000-000000000000 and replaced by the directory) or a
version (downloaded through the module proxy); by default the one this
coop command was built from (its version, when it was built as a released
module; its checkout, when it was built from one). The go directive is
raised to coop's if coop needs a later Go, and the modules coop's
drop-ins import are required at the versions the build selects, as a
module at go 1.17 or later must list them. The go command can also read a
go.mod and go.sum through -overlay, but -modfile is the flag it documents
for an alternate go.mod, takes the user's own -modfile as the base, and
keeps the overlay to source files.

The go commands of a patched build run with -mod=mod (unless a -mod flag
or GOFLAGS says otherwise), so that the go command may bring the build's
own go.mod up to date: coop's requirements can select a later version of
a module the user's go.mod lists. The user's go.mod is never written. A
module that vendors its dependencies is therefore built from the module
cache, which the patched build's go.mod and mirrors need anyway.
Workspaces (go.work) are not supported: -modfile cannot be used in
workspace mode; build with GOWORK=off.

# Go statements

A go statement in a patched package still starts a plain goroutine, not a
task. Made a task, it would be a child of whatever task happened to run the
statement, and be killed with it: the connection reader or the pool reaper
a library starts during one request serves every request after it, and
would die with the first. A task also recovers its panic, which would turn
a crash into a recorded error and a program running on in a state its
authors never saw; and go f(x) evaluates f and x at once, in the caller,
which a rewrite into a closure can keep only with type information. What
the plain goroutine keeps: its blocking calls go through coop, are reported
(as calls of no task, to iox.Default's observers) and honour the
scheduler's policies, and a call that carries a task's context (net/http's
dialing goroutines do) is made for that task and ends with its kill. In
the user's own code, coop vet reports go statements inside tasks and
timeout scopes, where iox.Spawn is usually what is meant.

# What the patch cannot see

A swapped package and an unswapped one meet at the types that are coop's
own (netx's conns, dialers and listeners, timex's Timer and Ticker, httpx's
Transport): where that does not compile, the package is left, as above. It
can also compile and still differ at run time: a type assertion to
*net.TCPConn in a swapped package fails on a conn that an unswapped one
made (net/http's server hands out package net's conns). Calls through
cgo, os/exec, and locks and channels stay invisible to coop, as in gevent;
coop vet finds the ones it can tell in code that uses coop.

# coop vet

coop vet runs coop's analyzer, standalone or as go vet's tool:

	go run github.com/coop-go/coop/cmd/coop vet [-fix] [-swapped patterns] ./...
	go vet -vettool=$(which coop) ./...

It reports, with suggested fixes (-fix applies them, -diff shows them):
imports of net, time, net/http and crypto/tls in packages meant to be
swapped (with
a file that swapped an import already, or that -swapped names), as a
package swapped by hand whose every import was not; http.Clients with a
nil Transport and net/http Transports there; raw channel receives and sends, selects, ranges over
channels and sync lock, WaitGroup and Cond waits inside tasks of a
Cooperative scheduler, where it can tell (a function given to Go of a
scheduler made with iox.WithMode(iox.Cooperative), the tasks it spawns);
receives from coop timers' channels, where iox.Recv is meant; and go
statements inside tasks and timeout scopes.
*/
package main
