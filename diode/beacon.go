package diode

import (
	"encoding/binary"
	"log/slog"
	"time"

	"bastion/diode/internal/wire"
)

// beacon repeats the announcement and sends heartbeats until Close.
func (s *Sender) beacon() {
	defer s.wg.Done()
	hb := time.NewTicker(s.cfg.Heartbeat)
	defer hb.Stop()
	ann := time.NewTicker(s.cfg.AnnounceInterval)
	defer ann.Stop()
	for {
		select {
		case <-s.life.Done():
			return
		case <-hb.C:
			s.sendHeartbeat(0)
		case <-ann.C:
			s.sendAnnouncement()
		}
	}
}

// sendAnnouncement writes the signed announcement; it is charged to the
// pacing bucket but never waits.
func (s *Sender) sendAnnouncement() {
	s.pace.charge(len(s.announce))
	if s.write(s.announce) == nil {
		s.c.announcements.Add(1)
	}
}

// sendHeartbeat signs the sender's status and sends it sealed. The signed
// message is the session id and datagram counter followed by the encoded
// heartbeat, so a heartbeat cannot be replayed under another counter.
func (s *Sender) sendHeartbeat(flags uint8) {
	_, sndbuf, _ := udpCounters()
	hb := wire.Heartbeat{
		Time: time.Now(), HasBatch: s.c.hasBatch.Load(),
		FirstSeq: s.c.firstSeq.Load(), LastSeq: s.c.lastSeq.Load(),
		Batches: s.c.batches.Load(), Datagrams: s.c.datagrams.Load(), Bytes: s.c.bytes.Load(),
		CarouselResends: s.c.resends.Load(), CarouselDropped: s.c.carouselDrop.Load(),
		SendErrors: s.c.sendErrors.Load(), KernelSndbufErrors: sndbuf,
	}
	h := wire.Header{Type: wire.TypeHeartbeat, Flags: flags, Session: s.id}
	h.Counter = s.counter.next()
	body := wire.AppendHeartbeat(nil, &hb)
	sig, err := s.cfg.Signer.Sign(heartbeatMessage(s.id, h.Counter, body), ctxHeartbeat)
	if err != nil {
		s.log.Error("heartbeat not signed", slog.Any("err", err))
		return
	}
	plain := append(body, sig...)
	if wire.HeaderLen+len(plain)+16 > wire.MaxDatagram {
		s.log.Error("heartbeat signature too long", slog.Int("bytes", len(sig)))
		return
	}
	h.BodyLen = uint16(len(plain) + 16)
	d := s.seal(&h, plain)
	s.pace.charge(len(d))
	if s.write(d) == nil {
		s.c.heartbeats.Add(1)
	}
}

// heartbeatMessage is what a heartbeat signature covers.
func heartbeatMessage(session, counter uint64, body []byte) []byte {
	m := binary.BigEndian.AppendUint64(make([]byte, 0, 16+len(body)), session)
	m = binary.BigEndian.AppendUint64(m, counter)
	return append(m, body...)
}

// seal encrypts plain under header h, whose counter is set, with the header
// as associated data, and returns the datagram in a new slice.
func (s *Sender) seal(h *wire.Header, plain []byte) []byte {
	var nonce [12]byte
	wire.Nonce(&nonce, h.Type, h.Counter)
	d := wire.AppendHeader(make([]byte, 0, wire.HeaderLen+len(plain)+16), h)
	return s.aead.Seal(d, nonce[:], plain, d[:wire.HeaderLen])
}
