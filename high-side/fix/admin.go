package fix

import "strconv"

// Session-level messages (FIX 4.4 Vol.2 "Administrative Messages"). The
// builders return the body only; the session adds the standard header
// (49, 56, 34, 52) when it sends.

// NewLogon returns a Logon (A) with EncryptMethod 0 (none), HeartBtInt
// in seconds and, when reset is true, ResetSeqNumFlag (141) Y.
func NewLogon(beginString string, heartBtInt int, reset bool) *Message {
	m := NewMessage(beginString, MsgLogon).
		Add(TagEncryptMethod, "0").
		Add(TagHeartBtInt, strconv.Itoa(heartBtInt))
	if reset {
		m.Add(TagResetSeqNumFlag, "Y")
	}
	return m
}

// NewHeartbeat returns a Heartbeat (0), answering testReqID when not empty.
func NewHeartbeat(beginString, testReqID string) *Message {
	return NewMessage(beginString, MsgHeartbeat).Add(TagTestReqID, testReqID)
}

// NewTestRequest returns a TestRequest (1) with the given TestReqID.
func NewTestRequest(beginString, testReqID string) *Message {
	return NewMessage(beginString, MsgTestRequest).Add(TagTestReqID, testReqID)
}

// NewLogout returns a Logout (5) with an optional Text.
func NewLogout(beginString, text string) *Message {
	return NewMessage(beginString, MsgLogout).Add(TagText, text)
}

// NewReject returns a session Reject (3) of message refSeq, naming the
// tag at fault (RefTagID 371, omitted when 0), the referenced MsgType and
// a SessionRejectReason (373).
func NewReject(beginString string, refSeq int64, refMsgType string, e *FieldError) *Message {
	m := NewMessage(beginString, MsgReject).Add(TagRefSeqNum, strconv.FormatInt(refSeq, 10))
	if e.Tag > 0 {
		m.Add(TagRefTagID, strconv.Itoa(int(e.Tag)))
	}
	return m.Add(TagRefMsgType, refMsgType).
		Add(TagSessionRejectReason, strconv.Itoa(e.Reason)).
		Add(TagText, e.Msg)
}

// NewGapFill returns a SequenceReset (4) in gap-fill mode moving the
// counterparty's expected sequence number to newSeq.
func NewGapFill(beginString string, newSeq int64) *Message {
	return NewMessage(beginString, MsgSequenceReset).
		Add(TagGapFillFlag, "Y").
		Add(TagNewSeqNo, strconv.FormatInt(newSeq, 10))
}
