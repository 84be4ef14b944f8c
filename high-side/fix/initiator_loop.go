package fix

import (
	"fmt"
	"time"
)

// readLoop handles admin messages and routes replies to their requests.
func (c *Initiator) readLoop() {
	defer c.wg.Done()
	for {
		m, _, err := c.reader.Read()
		if err != nil {
			if fatalRead(err) {
				c.finish(fmt.Errorf("%w: %v", ErrSessionClosed, err))
				return
			}
			continue
		}
		if !c.handle(m) {
			return
		}
	}
}

func (c *Initiator) handle(m *Message) bool {
	switch m.MsgType {
	case MsgTestRequest:
		id, _ := m.Get(TagTestReqID)
		c.link.send(NewHeartbeat(c.link.begin, id))
	case MsgResendRequest:
		c.gapFill(m)
	case MsgLogout:
		c.logout <- m
		c.finish(ErrSessionClosed)
		return false
	case MsgReject:
		ref, _ := m.Get(TagRefSeqNum)
		c.deliver("seq:"+ref, m)
	case MsgExecutionReport, MsgOrderCancelReject:
		id, _ := m.Get(TagClOrdID)
		c.deliver(id, m)
	}
	return true
}

func (c *Initiator) deliver(key string, m *Message) {
	c.mu.Lock()
	ch := c.waiting[key]
	c.mu.Unlock()
	if ch != nil {
		select {
		case ch <- m:
		default:
		}
	}
}

// gapFill answers a ResendRequest: the initiator keeps no store either.
func (c *Initiator) gapFill(m *Message) {
	begin, err := m.Int(TagBeginSeqNo)
	if err != nil || begin < 1 {
		return
	}
	c.link.mu.Lock()
	next := c.link.nextOut
	c.link.mu.Unlock()
	if begin < next {
		c.link.sendAt(NewGapFill(c.link.begin, next), begin)
	}
}

// heartbeatLoop sends a Heartbeat whenever nothing was sent for a
// heartbeat interval.
func (c *Initiator) heartbeatLoop() {
	defer c.wg.Done()
	t := time.NewTicker(max(c.hb/4, 50*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if c.link.idle() >= c.hb {
				c.link.send(NewHeartbeat(c.link.begin, ""))
			}
		}
	}
}

// SendHeartbeat sends a Heartbeat now; tests use it to probe a session.
func (c *Initiator) SendHeartbeat() error {
	_, err := c.link.send(NewHeartbeat(c.link.begin, ""))
	return err
}

// SendRaw writes m with the given MsgSeqNum, bypassing the counter; tests
// use it to provoke sequence errors.
func (c *Initiator) SendRaw(m *Message, seq int64) error {
	c.link.mu.Lock()
	defer c.link.mu.Unlock()
	return c.link.write(m, seq, false)
}

// NextSeqNum returns the MsgSeqNum the next message will carry.
func (c *Initiator) NextSeqNum() int64 {
	c.link.mu.Lock()
	defer c.link.mu.Unlock()
	return c.link.nextOut
}
