package main

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// event is one token state change the pool logged.
type event struct {
	msg   string
	token string
	at    time.Time
}

// events is a slog.Handler that records the pool's token state changes
// ("hsm token down", "on probation", "up", "quarantined") with the time
// the pool logged them, and passes every record on.
type events struct {
	next slog.Handler
	rec  *recorder
}

type recorder struct {
	mu   sync.Mutex
	list []event
}

func newEvents(next slog.Handler) *events {
	return &events{next: next, rec: &recorder{}}
}

func (e *events) Enabled(context.Context, slog.Level) bool { return true }

func (e *events) Handle(ctx context.Context, r slog.Record) error {
	ev := event{msg: r.Message, at: r.Time}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "token" {
			ev.token = a.Value.String()
		}
		return true
	})
	e.rec.mu.Lock()
	e.rec.list = append(e.rec.list, ev)
	e.rec.mu.Unlock()
	if e.next.Enabled(ctx, r.Level) {
		return e.next.Handle(ctx, r)
	}
	return nil
}

func (e *events) WithAttrs(a []slog.Attr) slog.Handler {
	return &events{next: e.next.WithAttrs(a), rec: e.rec}
}

func (e *events) WithGroup(name string) slog.Handler {
	return &events{next: e.next.WithGroup(name), rec: e.rec}
}

// first returns the time of the first event msg about token at or after
// since, and whether there was one.
func (e *events) first(msg, token string, since time.Time) (time.Time, bool) {
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	for _, ev := range e.rec.list {
		if ev.msg == msg && ev.token == token && !ev.at.Before(since) {
			return ev.at, true
		}
	}
	return time.Time{}, false
}
