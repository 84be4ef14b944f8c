package monitor

import (
	"fmt"
	"testing"

	"bastion/shared/entry"
)

// BenchmarkCustomRules measures the cost of CEL custom rules per order
// decision: the built-in pack without custom rules, then with 1 and 10
// order rules over the order, the trader's limits and the account's
// exposure. Compare ns/op against the "none" case of the same run.
func BenchmarkCustomRules(b *testing.B) {
	for _, n := range []int{0, 1, 10} {
		b.Run(fmt.Sprintf("rules=%d", n), func(b *testing.B) {
			m := warmMonitor(b)
			var rules []CustomRule
			for i := range n {
				expr := fmt.Sprintf(`order.notional > limits.notional * decimal("0.%d") || `+
					`account.open_notional + order.notional > limits.credit && order.qty > %d`, 5+i%4, 100+i)
				rules = append(rules, CustomRule{ID: fmt.Sprintf("bench_%d", i), AppliesTo: "order",
					Expr: expr, Action: CustomReview, Reason: entry.ReasonNotionalLimit})
			}
			cfg := m.RulePackConfig()
			cfg.Version, cfg.Custom = fmt.Sprintf("bench-%d", n), rules
			if err := m.SwitchPack(cfg); err != nil {
				b.Fatal(err)
			}
			orders := benchOrders()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				sinkDecision = m.DecideOrder(orders[i%len(orders)], t0)
			}
		})
	}
}
