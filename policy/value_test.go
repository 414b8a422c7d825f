package policy

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go/types"
)

func TestParseNumbers(t *testing.T) {
	cases := []struct {
		in      string
		dec     int64 // ten-thousandths
		decErr  bool
		long    int64
		longErr bool
	}{
		{in: "0", dec: 0, long: 0},
		{in: "-0", dec: 0, long: 0},
		{in: "450", dec: 4500000, long: 450},
		{in: "-12", dec: -120000, long: -12},
		{in: "1.5", dec: 15000, longErr: true},
		{in: "1.0", dec: 10000, long: 1},
		{in: "1e3", dec: 10000000, long: 1000},
		{in: "1E+2", dec: 1000000, long: 100},
		{in: "2.5e-1", dec: 2500, longErr: true},
		{in: "0.123456", dec: 1234, longErr: true},   // cut off past the fourth place
		{in: "-0.123456", dec: -1234, longErr: true}, // toward zero
		{in: "0.00001", dec: 0, longErr: true},       // below a ten-thousandth
		{in: "1e-400", dec: 0, longErr: true},        // far below
		{in: "9223372036854775807", decErr: true, long: 9223372036854775807},
		{in: "-9223372036854775808", decErr: true, long: -9223372036854775808},
		{in: "9223372036854775808", decErr: true, longErr: true},
		{in: "922337203685477.5807", dec: 9223372036854775807, longErr: true},
		{in: "922337203685477.5808", decErr: true, longErr: true},
		{in: "-922337203685477.5808", dec: -9223372036854775808, longErr: true},
		{in: "1e30", decErr: true, longErr: true},
		{in: "1e1000000000000", decErr: true, longErr: true},
		{in: "0e1000000000000", dec: 0, long: 0},
		{in: "01", decErr: true, longErr: true},
		{in: "1.", decErr: true, longErr: true},
		{in: "", decErr: true, longErr: true},
	}
	for _, c := range cases {
		d, err := parseDecimal(c.in)
		if (err != nil) != c.decErr || err == nil && d != c.dec {
			t.Errorf("parseDecimal(%q) = %d, %v; want %d (error %v)", c.in, d, err, c.dec, c.decErr)
		}
		l, err := parseLong(c.in)
		if (err != nil) != c.longErr || err == nil && l != c.long {
			t.Errorf("parseLong(%q) = %d, %v; want %d (error %v)", c.in, l, err, c.long, c.longErr)
		}
	}
}

// TestInputValues: arguments become context.input as the schema types
// them.
func TestInputValues(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{
		"orderId":{"type":"string"},
		"amount":{"type":"integer"},
		"price":{"type":"number"},
		"express":{"type":"boolean"},
		"tags":{"type":"array","items":{"type":"string"}},
		"address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":["string","null"]}},"required":["city","zip"]},
		"note":{"type":["string","null"]},
		"either":{"type":["string","integer"]},
		"ref":{"$ref":"#/$defs/money"},
		"free":{}
	},"required":["orderId","amount","note"],"$defs":{"money":{"type":"object","properties":{"cents":{"type":"integer"}}}}}`)
	in := compileInput(schema)
	price, _ := types.NewDecimal(199999, -4)
	cases := []struct {
		name, args string
		want       types.Value
		err        string
	}{
		{"required only", `{"orderId":"o-1","amount":450,"note":null}`,
			types.NewRecord(types.RecordMap{"amount": types.Long(450), "orderId": types.String("o-1")}), ""},
		{"every type", `{"orderId":"o-1","amount":4.5e2,"note":"n","price":19.99999,"express":true,"tags":["a","b","a"],
			"address":{"city":"Paris","zip":null},"either":"x","ref":{"cents":5},"free":{"x":1},"extra":1}`,
			types.NewRecord(types.RecordMap{
				"address": types.NewRecord(types.RecordMap{"city": types.String("Paris")}),
				"amount":  types.Long(450), "express": types.True, "note": types.String("n"), "orderId": types.String("o-1"),
				"price": price, "ref": types.NewRecord(types.RecordMap{"cents": types.Long(5)}),
				"tags": types.NewSet(types.String("a"), types.String("b")),
			}), ""},
		{"integer too large", `{"orderId":"o","amount":1e30,"note":null}`, nil, "input.amount: 1e30 does not fit its Cedar type (Long)"},
		{"number too large", `{"orderId":"o","amount":1,"note":null,"price":1e20}`, nil, "input.price: 1e20 does not fit its Cedar type (decimal)"},
		{"nested too large", `{"orderId":"o","amount":1,"note":null,"ref":{"cents":1e99}}`, nil, "input.ref.cents: 1e99 does not fit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := inputValue(in, []byte(c.args))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, errNotFit) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !v.Equal(c.want) {
				t.Fatalf("got  %s\nwant %s", v.MarshalCedar(), c.want.MarshalCedar())
			}
		})
	}
}

// FuzzCedarValues: claims and arguments from outside become Cedar values
// without panicking; numbers become exactly the decimal and Long values
// that big-number arithmetic gives, or an error when they do not fit.
func FuzzCedarValues(f *testing.F) {
	f.Add(`{"sub":"a","role":"admin","n":1.5,"aud":["x","y"],"o":{"k":null}}`, `{"s":"x","i":450,"d":19.99999,"b":true,"a":[1,2],"o":{"p":"q"}}`, "1.5e3")
	f.Add(`null`, `{"i":1e30}`, "-922337203685477.5808")
	f.Add(`{}`, `{"d":-0.00001}`, "0.00001")
	f.Add(`{"x":1e400}`, `[]`, "1e-1000000000000")
	schema := compileInput(json.RawMessage(`{"type":"object","properties":{"s":{"type":"string"},"i":{"type":"integer"},
		"d":{"type":"number"},"b":{"type":"boolean"},"a":{"type":"array","items":{"type":"integer"}},
		"o":{"type":"object","properties":{"p":{"type":"string"}}}}}`))
	f.Fuzz(func(t *testing.T, claims, args, num string) {
		var m map[string]any
		if json.Unmarshal([]byte(claims), &m) == nil {
			tags := claimTags(m, &tagSet{all: true})
			for k, v := range tags.All() {
				if _, ok := v.(types.String); !ok {
					t.Fatalf("tag %s is %T", k, v)
				}
			}
		}
		_, _ = inputValue(schema, []byte(args)) // must not panic

		// Numbers against big.Rat.
		isNum := json.Valid([]byte(num)) && strings.TrimSpace(num) == num && (num[0] == '-' || num[0] >= '0' && num[0] <= '9')
		n, err := parseNumber(num)
		if isNum != (err == nil) {
			t.Fatalf("parseNumber(%q): %v, JSON number %v", num, err, isNum)
		}
		if !isNum || n.big || n.exp > 400 || n.exp < -400 {
			return // big.Rat would take too long; TestParseNumbers has such cases
		}
		r, ok := new(big.Rat).SetString(num)
		if !ok {
			t.Fatalf("big.Rat cannot read %q", num)
		}
		scaled := new(big.Rat).Mul(r, big.NewRat(10000, 1))
		want := new(big.Int).Quo(scaled.Num(), scaled.Denom()) // truncates toward zero
		d, err := parseDecimal(num)
		if want.IsInt64() != (err == nil) || err == nil && d != want.Int64() {
			t.Fatalf("parseDecimal(%q) = %d, %v; want %v", num, d, err, want)
		}
		l, err := parseLong(num)
		switch {
		case !r.IsInt() || !r.Num().IsInt64():
			if err == nil {
				t.Fatalf("parseLong(%q) = %d, want an error", num, l)
			}
		case err != nil || l != r.Num().Int64():
			t.Fatalf("parseLong(%q) = %d, %v; want %v", num, l, err, r.Num())
		}
	})
}
