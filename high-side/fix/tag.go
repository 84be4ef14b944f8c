package fix

import "strconv"

// Tag is a FIX field number.
type Tag int

// Field numbers used by this package (FIX 4.4 Vol.6 field dictionary).
const (
	TagAccount             Tag = 1
	TagAvgPx               Tag = 6
	TagBeginSeqNo          Tag = 7
	TagBeginString         Tag = 8
	TagBodyLength          Tag = 9
	TagCheckSum            Tag = 10
	TagClOrdID             Tag = 11
	TagCumQty              Tag = 14
	TagEndSeqNo            Tag = 16
	TagExecID              Tag = 17
	TagExecTransType       Tag = 20
	TagMsgSeqNum           Tag = 34
	TagMsgType             Tag = 35
	TagNewSeqNo            Tag = 36
	TagOrderID             Tag = 37
	TagOrderQty            Tag = 38
	TagOrdStatus           Tag = 39
	TagOrdType             Tag = 40
	TagOrigClOrdID         Tag = 41
	TagPossDupFlag         Tag = 43
	TagPrice               Tag = 44
	TagRefSeqNum           Tag = 45
	TagSenderCompID        Tag = 49
	TagSenderSubID         Tag = 50
	TagSendingTime         Tag = 52
	TagSide                Tag = 54
	TagSymbol              Tag = 55
	TagTargetCompID        Tag = 56
	TagText                Tag = 58
	TagTransactTime        Tag = 60
	TagEncryptMethod       Tag = 98
	TagCxlRejReason        Tag = 102
	TagOrdRejReason        Tag = 103
	TagHeartBtInt          Tag = 108
	TagTestReqID           Tag = 112
	TagGapFillFlag         Tag = 123
	TagResetSeqNumFlag     Tag = 141
	TagExecType            Tag = 150
	TagLeavesQty           Tag = 151
	TagRefTagID            Tag = 371
	TagRefMsgType          Tag = 372
	TagSessionRejectReason Tag = 373
	TagCxlRejResponseTo    Tag = 434
)

var tagNames = map[Tag]string{
	TagAccount: "Account", TagAvgPx: "AvgPx", TagBeginSeqNo: "BeginSeqNo",
	TagBeginString: "BeginString", TagBodyLength: "BodyLength", TagCheckSum: "CheckSum",
	TagClOrdID: "ClOrdID", TagCumQty: "CumQty", TagEndSeqNo: "EndSeqNo", TagExecID: "ExecID",
	TagExecTransType: "ExecTransType", TagMsgSeqNum: "MsgSeqNum", TagMsgType: "MsgType",
	TagNewSeqNo: "NewSeqNo", TagOrderID: "OrderID", TagOrderQty: "OrderQty",
	TagOrdStatus: "OrdStatus", TagOrdType: "OrdType", TagOrigClOrdID: "OrigClOrdID",
	TagPossDupFlag: "PossDupFlag", TagPrice: "Price", TagRefSeqNum: "RefSeqNum",
	TagSenderCompID: "SenderCompID", TagSenderSubID: "SenderSubID",
	TagSendingTime: "SendingTime", TagSide: "Side", TagSymbol: "Symbol",
	TagTargetCompID: "TargetCompID", TagText: "Text", TagTransactTime: "TransactTime",
	TagEncryptMethod: "EncryptMethod", TagCxlRejReason: "CxlRejReason",
	TagOrdRejReason: "OrdRejReason", TagHeartBtInt: "HeartBtInt", TagTestReqID: "TestReqID",
	TagGapFillFlag: "GapFillFlag", TagResetSeqNumFlag: "ResetSeqNumFlag",
	TagExecType: "ExecType", TagLeavesQty: "LeavesQty", TagRefTagID: "RefTagID",
	TagRefMsgType: "RefMsgType", TagSessionRejectReason: "SessionRejectReason",
	TagCxlRejResponseTo: "CxlRejResponseTo",
}

// String returns the tag number with its FIX name when this package knows
// it, e.g. "9 (BodyLength)".
func (t Tag) String() string {
	if n, ok := tagNames[t]; ok {
		return strconv.Itoa(int(t)) + " (" + n + ")"
	}
	return strconv.Itoa(int(t))
}

// MsgType values (tag 35) this package handles.
const (
	MsgHeartbeat          = "0"
	MsgTestRequest        = "1"
	MsgResendRequest      = "2"
	MsgReject             = "3"
	MsgSequenceReset      = "4"
	MsgLogout             = "5"
	MsgExecutionReport    = "8"
	MsgOrderCancelReject  = "9"
	MsgLogon              = "A"
	MsgNewOrderSingle     = "D"
	MsgOrderCancelRequest = "F"
)

// BeginString values (tag 8) this package accepts.
const (
	FIX42 = "FIX.4.2"
	FIX44 = "FIX.4.4"
)
