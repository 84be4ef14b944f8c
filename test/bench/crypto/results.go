package main

// results is the content of bench-results/crypto.json.
type results struct {
	Signs1     float64 `json:"hybrid_signs_per_s_1_token"`
	Signs3     float64 `json:"hybrid_signs_per_s_3_tokens"`
	VerifyPerS float64 `json:"verify_per_s"`
	// Rounds are the individual sign runs, the 1-token and 3-token pools
	// taking turns; Signs1 and Signs3 are the medians of theirs.
	Rounds   []signRound    `json:"sign_rounds"`
	Failover failoverResult `json:"failover"`
	CPU      cpuFigures     `json:"cpu"`
	Machine  machine        `json:"machine"`
	Settings settings       `json:"settings"`
}

// failoverResult is what the drill measured. Times are milliseconds from
// the instant the fault was injected.
type failoverResult struct {
	Signatures int    `json:"signatures"`
	Failed     int    `json:"failed_signatures"`
	Fault      string `json:"fault"`
	// RecoveryMS is the time from the fault until the pool took the
	// failed token out of rotation (marked it DOWN); from then on no
	// request goes to it, and the requests that met the fault have been
	// moved to the other tokens.
	RecoveryMS float64 `json:"recovery_ms"`
	// OutageMS is how long the drill kept the instance finalised.
	OutageMS float64 `json:"outage_ms"`
	// TokenUpMS is the time from the fault until the token was UP again:
	// the outage, the probe back-off and PROBATION.
	TokenUpMS float64 `json:"token_up_ms"`
	// RejoinMS is TokenUpMS minus the outage: from the instance being
	// initialised again until the pool had it UP.
	RejoinMS float64 `json:"rejoin_ms"`
	// ServedAfterRejoin counts signatures the token made after it was UP
	// again.
	ServedAfterRejoin uint64 `json:"served_after_rejoin"`
	// Served counts the requests each token served during the drill: the
	// signatures and the one unseal that made the signer.
	Served    map[string]uint64 `json:"served_by_token"`
	LatencyMS latency           `json:"latency_ms"`
	SignsPerS float64           `json:"signs_per_s"`
}

// latency summarises per-signature latencies in milliseconds.
type latency struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// cpuFigures are the process's CPU time per operation (user + system,
// getrusage), which depends far less than wall time on what else the
// machine runs, and the rate that would give with every CPU free.
type cpuFigures struct {
	MSPerSign1        float64 `json:"cpu_ms_per_signature_1_token"`
	MSPerSign3        float64 `json:"cpu_ms_per_signature_3_tokens"`
	MSPerVerify       float64 `json:"cpu_ms_per_verify"`
	CPUBoundSigns1    float64 `json:"cpu_bound_signs_per_s_1_token"`
	CPUBoundSigns3    float64 `json:"cpu_bound_signs_per_s_3_tokens"`
	CPUBoundVerifyPer float64 `json:"cpu_bound_verify_per_s"`
}

// settings records how the run was made.
type settings struct {
	Workers         int    `json:"workers"`
	BenchSignatures int    `json:"bench_signatures"`
	Rounds          int    `json:"rounds"`
	Verifies        int    `json:"verifies"`
	FaultAfter      int    `json:"fault_after_signatures"`
	Suite           string `json:"suite"`
	Tokens          string `json:"tokens"`
}
