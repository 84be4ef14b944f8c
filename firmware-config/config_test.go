package firmwareconfig

import (
	"strings"
	"testing"
)

func TestDefaultLoads(t *testing.T) {
	a, err := Parse("appliance.toml", Default)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(a.HighSide.Nodes), 3; got != want {
		t.Errorf("got %d nodes, want %d", got, want)
	}
	if got, want := a.Link.Loss, 0.02; got != want {
		t.Errorf("got loss %v, want %v", got, want)
	}
}

func TestErrorsNameFileLineAndKey(t *testing.T) {
	tests := []struct {
		name, edit, want string
	}{
		{"unknown key", "[link]\nname = \"audit\"\nlos = 0.1\n", `x.toml:3: unknown key "link.los"`},
		{"misplaced key", "[portal]\nloss = 0.1\n", `unknown key "portal.loss"`},
		{"wrong type", "[link]\nloss = \"high\"\n", `x.toml:2: key "link.loss"`},
		{"out of range", "[link]\nloss = 0.9\n", "link.loss: 0.9 out of range"},
		{"loss not a number", "[link]\nloss = nan\n", "link.loss: NaN out of range"},
		{"rate not a number", "[link]\nrate_mbps = nan\n", "link.rate_mbps: NaN out of range"},
		{"rate infinite", "[link]\nrate_mbps = inf\n", "link.rate_mbps: +Inf out of range"},
		{"rate negative", "[link]\nrate_mbps = -1.0\n", "link.rate_mbps: -1 out of range"},
		{"duplicate node", "[high_side]\nnodes = [\"a\", \"a\"]\n", `listed twice`},
		{"bad label", "[release]\nlabel = \"cosmic\"\n", "release.label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.toml", []byte(tt.edit))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(Default)
	f.Add([]byte("[link]\nloss = 1e400\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Parse("fuzz.toml", b)
	})
}
