package entry

// Reason codes: the closed list of why a decision is not a plain accept.
// Every code is documented here; Decision.Validate rejects any other.
const (
	ReasonRestrictedList   = "RESTRICTED_LIST"   // issuer on the restricted list (hard block)
	ReasonWatchList        = "WATCH_LIST"        // issuer on the watch list (alert)
	ReasonNotionalLimit    = "NOTIONAL_LIMIT"    // single-order notional over the trader's limit
	ReasonCreditLimit      = "CREDIT_LIMIT"      // customer's aggregate exposure over credit limit
	ReasonCapitalLimit     = "CAPITAL_LIMIT"     // firm's aggregate exposure over capital limit
	ReasonPriceCollar      = "PRICE_COLLAR"      // price outside the collar around the reference
	ReasonOrderSize        = "ORDER_SIZE"        // quantity over the single-order size limit
	ReasonDuplicateOrder   = "DUPLICATE_ORDER"   // same order seen within the duplicate window
	ReasonKillSwitch       = "KILL_SWITCH"       // trader or firm halted
	ReasonUnknownOrder     = "UNKNOWN_ORDER"     // cancel or execution of an order never seen
	ReasonAccountDrain     = "ACCOUNT_DRAIN"     // payment empties most of the account
	ReasonVelocity         = "VELOCITY"          // too many payments in the window
	ReasonAmountAnomaly    = "AMOUNT_ANOMALY"    // amount far above the account's history
	ReasonNewCounterparty  = "NEW_COUNTERPARTY"  // large amount to a first-seen counterparty
	ReasonStructuring      = "STRUCTURING"       // repeated amounts just under a threshold
	ReasonFanIn            = "FAN_IN"            // many sources into one account
	ReasonFanOut           = "FAN_OUT"           // one account paying many
	ReasonCycle            = "CYCLE"             // funds return to their origin
	ReasonFrozenAccount    = "FROZEN_ACCOUNT"    // account contained
	ReasonSpoofing         = "SPOOFING"          // large orders placed and cancelled
	ReasonLayering         = "LAYERING"          // several price levels placed and cancelled
	ReasonQuoteStuffing    = "QUOTE_STUFFING"    // message rate burst
	ReasonCancelRatio      = "CANCEL_RATIO"      // excessive cancel or order-to-trade ratio
	ReasonWashTrade        = "WASH_TRADE"        // both sides under one beneficial owner
	ReasonMarkingClose     = "MARKING_CLOSE"     // aggressive orders near the close
	ReasonFrontRunning     = "FRONT_RUNNING"     // own order ahead of a large client order
	ReasonInsiderDealing   = "INSIDER_DEALING"   // insider trading ahead of an event
	ReasonClearance        = "CLEARANCE"         // actor not cleared for the label
	ReasonRuleError        = "RULE_ERROR"        // a rule errored; recorded, decision still made
	ReasonMalformedRequest = "MALFORMED_REQUEST" // the submission failed validation
)

var reasons = map[string]bool{}

func init() {
	for _, r := range []string{
		ReasonRestrictedList, ReasonWatchList, ReasonNotionalLimit, ReasonCreditLimit,
		ReasonCapitalLimit, ReasonPriceCollar, ReasonOrderSize, ReasonDuplicateOrder,
		ReasonKillSwitch, ReasonUnknownOrder, ReasonAccountDrain, ReasonVelocity,
		ReasonAmountAnomaly, ReasonNewCounterparty, ReasonStructuring, ReasonFanIn,
		ReasonFanOut, ReasonCycle, ReasonFrozenAccount, ReasonSpoofing, ReasonLayering,
		ReasonQuoteStuffing, ReasonCancelRatio, ReasonWashTrade, ReasonMarkingClose,
		ReasonFrontRunning, ReasonInsiderDealing, ReasonClearance, ReasonRuleError,
		ReasonMalformedRequest,
	} {
		reasons[r] = true
	}
}

// IsReason reports whether code is on the closed list of reason codes.
func IsReason(code string) bool { return reasons[code] }
