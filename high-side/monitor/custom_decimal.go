package monitor

import (
	"fmt"
	"reflect"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/operators"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"github.com/google/cel-go/common/types/traits"
	"github.com/shopspring/decimal"
)

// Money in custom rules is never a double: amounts, prices and limits are
// values of the CEL type "decimal", an exact decimal (shopspring/decimal).
// A decimal compares with a decimal or an int (<, <=, >, >=, ==, !=), adds
// and subtracts decimals, and multiplies by a decimal or an int. decimal(s)
// parses a string literal such as decimal("0.9"); decimal(i) converts an
// int; string(d) renders one.

// decimalType is the CEL type of money values.
var decimalType = types.NewOpaqueType("decimal").WithTraits(
	traits.AdderType | traits.SubtractorType | traits.MultiplierType | traits.ComparerType)

// celDecimal is a decimal as a CEL value.
type celDecimal struct{ d decimal.Decimal }

var decimalGoType = reflect.TypeFor[decimal.Decimal]()

// ConvertToNative returns the decimal for a decimal.Decimal target.
func (v celDecimal) ConvertToNative(t reflect.Type) (any, error) {
	if t == decimalGoType {
		return v.d, nil
	}
	return nil, fmt.Errorf("cannot convert decimal to %v", t)
}

// ConvertToType converts to decimal, string or type.
func (v celDecimal) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case decimalType:
		return v
	case types.StringType:
		return types.String(v.d.String())
	case types.TypeType:
		return decimalType
	}
	return types.NewErr("type conversion error from decimal to %s", t.TypeName())
}

// Equal compares by value: decimal("1.50") == decimal("1.5").
func (v celDecimal) Equal(o ref.Val) ref.Val {
	od, ok := o.(celDecimal)
	return types.Bool(ok && v.d.Equal(od.d))
}

// Type returns the decimal type.
func (v celDecimal) Type() ref.Type { return decimalType }

// Value returns the decimal.Decimal.
func (v celDecimal) Value() any { return v.d }

// decimalOptions declares the decimal type, its constructor and operators.
func decimalOptions() []cel.EnvOption {
	dec, i := decimalType, cel.IntType
	return []cel.EnvOption{
		cel.Types(decimalType),
		cel.Function("decimal",
			cel.Overload("decimal_string", []*cel.Type{cel.StringType}, dec, cel.UnaryBinding(decimalOf)),
			cel.Overload("decimal_int", []*cel.Type{i}, dec, cel.UnaryBinding(decimalOf))),
		cel.Function("string",
			cel.Overload("string_decimal", []*cel.Type{dec}, cel.StringType, cel.UnaryBinding(decimalString))),
		compareFunction(operators.Less, "less"),
		compareFunction(operators.LessEquals, "less_equals"),
		compareFunction(operators.Greater, "greater"),
		compareFunction(operators.GreaterEquals, "greater_equals"),
		cel.Function(operators.Add, cel.Overload("add_decimal", []*cel.Type{dec, dec}, dec)),
		cel.Function(operators.Subtract, cel.Overload("subtract_decimal", []*cel.Type{dec, dec}, dec)),
		cel.Function(operators.Multiply,
			cel.Overload("multiply_decimal", []*cel.Type{dec, dec}, dec),
			cel.Overload("multiply_decimal_int", []*cel.Type{dec, i}, dec)),
	}
}

// compareFunction declares a comparison operator on decimal against
// decimal and decimal against int. The standard library evaluates it
// through celDecimal.Compare.
func compareFunction(op, id string) cel.EnvOption {
	dec := decimalType
	return cel.Function(op,
		cel.Overload(id+"_decimal", []*cel.Type{dec, dec}, cel.BoolType),
		cel.Overload(id+"_decimal_int", []*cel.Type{dec, cel.IntType}, cel.BoolType))
}

// Compare orders v and a decimal or an int (traits.Comparer).
func (v celDecimal) Compare(o ref.Val) ref.Val {
	y, err := asDecimal(o)
	if err != nil {
		return types.WrapErr(err)
	}
	return types.Int(v.d.Cmp(y))
}

// Add returns v + o (traits.Adder).
func (v celDecimal) Add(o ref.Val) ref.Val { return v.arith(o, decimal.Decimal.Add) }

// Subtract returns v - o (traits.Subtractor).
func (v celDecimal) Subtract(o ref.Val) ref.Val { return v.arith(o, decimal.Decimal.Sub) }

// Multiply returns v * o (traits.Multiplier).
func (v celDecimal) Multiply(o ref.Val) ref.Val { return v.arith(o, decimal.Decimal.Mul) }

func (v celDecimal) arith(o ref.Val, f func(decimal.Decimal, decimal.Decimal) decimal.Decimal) ref.Val {
	y, err := asDecimal(o)
	if err != nil {
		return types.WrapErr(err)
	}
	r := f(v.d, y)
	if !resultInRange(r) {
		return types.NewErr("decimal result out of range")
	}
	return celDecimal{r}
}

// asDecimal reads a decimal or an int operand.
func asDecimal(v ref.Val) (decimal.Decimal, error) {
	switch v := v.(type) {
	case celDecimal:
		return v.d, nil
	case types.Int:
		return decimal.NewFromInt(int64(v)), nil
	}
	return decimal.Decimal{}, fmt.Errorf("want a decimal or an int, got %s", v.Type().TypeName())
}

// decimalOf implements decimal(string) and decimal(int).
func decimalOf(v ref.Val) ref.Val {
	switch v := v.(type) {
	case types.String:
		d, err := parseDecimal(string(v))
		if err != nil {
			return types.NewErr("decimal(%q): %v", clip(string(v)), err)
		}
		return celDecimal{d}
	case types.Int:
		return celDecimal{decimal.NewFromInt(int64(v))}
	}
	return types.NewErr("decimal: want a string or an int")
}

func decimalString(v ref.Val) ref.Val {
	if d, ok := v.(celDecimal); ok {
		return types.String(d.d.String())
	}
	return types.NewErr("string: want a decimal")
}

// resultInRange bounds the result of decimal arithmetic: at most 100
// significant digits within 10^±100, so chained products stay cheap.
func resultInRange(d decimal.Decimal) bool {
	e, n := int64(d.Exponent()), int64(d.NumDigits())
	return d.IsZero() || n <= 100 && e >= -100 && e+n <= 100
}
