package iox

import (
	"fmt"
	"strconv"
	"time"
)

// watchdog watches the turn of a Cooperative scheduler, as gevent's monitor
// thread watches its hub: a task that holds the turn longer than the
// scheduler's max blocking time is reported with its stack, and then the
// scheduler's BlockingPolicy applies. It runs while the scheduler has tasks.
//
// It samples the turn's grant counter a few times per threshold instead of
// timing each hand-off, so hand-offs cost nothing extra; a report comes
// between one and 1.25 thresholds after the grant.
type watchdog struct {
	s      *Scheduler
	stopCh chan struct{}
}

func startWatchdog(s *Scheduler) *watchdog {
	w := &watchdog{s: s, stopCh: make(chan struct{})}
	go w.loop()
	return w
}

// stop ends the watchdog's goroutine; it does not wait for it.
func (w *watchdog) stop() { close(w.stopCh) }

func (w *watchdog) loop() {
	max := w.s.cfg.maxBlocking
	every := w.s.cfg.watchdogEvery
	if every <= 0 {
		every = max / 4
	}
	if every < time.Millisecond {
		every = time.Millisecond
	}
	// The machine's clock: the watchdog measures how long a task held the
	// turn on the machine, whatever the scheduler's clock says.
	ticker := realClock{}.NewTicker(every)
	defer ticker.Stop()
	tn := w.s.coop
	var (
		lastGrant uint64
		since     time.Time
		reported  bool
		limiter   reportLimiter
	)
	for {
		select {
		case <-w.stopCh:
			return
		case now := <-ticker.C():
			g, grant := tn.holder.Load(), tn.grants.Load()
			if g == nil || grant != lastGrant {
				lastGrant, since, reported = grant, now, false
				continue
			}
			held := now.Sub(since) + every
			if held < max {
				continue
			}
			if !reported {
				reported = true
				if limiter.allow(now) {
					w.report(g, since.Add(-every), held)
				}
				if w.s.cfg.policy == KillBlocker && g.task != nil {
					g.task.Kill(fmt.Errorf("iox: held the turn for %v without a blocking call", held.Round(time.Millisecond)))
				}
			}
			if w.s.cfg.policy != ReportOnly {
				tn.revoke(g, grant)
			}
		}
	}
}

// report sends an OpStall event to the scheduler's observers and writes
// it, with the offending task's frames, on the scheduler's log: an
// observer that counts calls must not silence the report a stuck program
// needs.
func (w *watchdog) report(g *gstate, since time.Time, held time.Duration) {
	e := Event{
		Kind:     OpStall,
		Task:     g.task,
		Start:    since,
		Duration: held,
		Stack:    goroutineStack(g.id.Load()),
	}
	w.s.emit(e)
	if out := w.s.cfg.log; out != nil {
		fmt.Fprintf(out, "iox: %v held the turn of scheduler %q for %v without a blocking call (policy %v):\n%s",
			g.task, w.s.cfg.name, held.Round(time.Millisecond), w.s.cfg.policy, frames(e.Stack))
	}
}

func (p BlockingPolicy) String() string {
	switch p {
	case HandOver:
		return "HandOver"
	case KillBlocker:
		return "KillBlocker"
	case ReportOnly:
		return "ReportOnly"
	}
	return "BlockingPolicy(" + strconv.Itoa(int(p)) + ")"
}

// reportLimiter lets at most burst reports through, then one per interval,
// so that a stuck program does not flood its log.
type reportLimiter struct {
	tokens float64
	last   time.Time
}

const (
	reportBurst    = 5
	reportInterval = time.Second
)

func (l *reportLimiter) allow(now time.Time) bool {
	if l.last.IsZero() {
		l.tokens = reportBurst
	} else {
		l.tokens += float64(now.Sub(l.last)) / float64(reportInterval)
		if l.tokens > reportBurst {
			l.tokens = reportBurst
		}
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}
