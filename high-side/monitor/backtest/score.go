package backtest

// Score is a confusion count against labels with its precision, recall and
// F1 (0 when undefined).
type Score struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	TN        int     `json:"tn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// add counts one labelled item.
func (s *Score) add(flagged, truth bool) {
	switch {
	case flagged && truth:
		s.TP++
	case flagged:
		s.FP++
	case truth:
		s.FN++
	default:
		s.TN++
	}
}

// finish computes the ratios from the counts.
func (s *Score) finish() {
	s.Precision = ratio(s.TP, s.TP+s.FP)
	s.Recall = ratio(s.TP, s.TP+s.FN)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
