package appliance

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	firmwareconfig "bastion/firmware-config"
)

// CheckConfig refuses a configuration the appliance cannot run with
// although it loaded: a float key (link.loss, link.rate_mbps, any added
// later) that holds nan or ±inf, which TOML allows and which no range
// check can catch, since every comparison with NaN is false. The error
// names the key.
func CheckConfig(cfg *firmwareconfig.Appliance) error {
	return checkFinite(reflect.ValueOf(cfg).Elem(), "")
}

// checkFinite walks v, whose TOML key is key, and returns an error naming
// the first float that is not a finite number.
func checkFinite(v reflect.Value, key string) error {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%s: %v is not a finite number", key, f)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := checkFinite(v.Index(i), fmt.Sprintf("%s[%d]", key, i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if err := checkFinite(v.Field(i), joinKey(key, f)); err != nil {
				return err
			}
		}
	}
	return nil
}

// joinKey is the TOML key of field f inside key. A field without a tag
// (such as the time.Duration inside firmwareconfig.Duration) stands for
// key itself.
func joinKey(key string, f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	switch {
	case name == "":
		return key
	case key == "":
		return name
	}
	return key + "." + name
}
