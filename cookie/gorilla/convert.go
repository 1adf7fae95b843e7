package gorilla

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// sessionData converts a legacy session's values into crumb session data,
// a map that serializes to a JSON object, by these rules:
//
//   - only string keys (valid UTF-8) are kept, at every level: an entry
//     under another key (gorilla allows any comparable value) is dropped;
//   - map[interface{}]interface{} becomes map[string]interface{};
//     maps and slices of interface values are converted element by element;
//   - every other value is kept as it is, and goes through encoding/json as
//     crumb serializes it: a struct becomes an object of its exported
//     fields, time.Time an RFC 3339 string, []byte a base64 string, an
//     integer a number;
//   - a top-level value that encoding/json still cannot encode (a NaN or
//     infinite float, a complex number, a channel, a func, a Marshaler that
//     fails) is dropped, with everything in it.
//
// It returns the data and a description of each entry dropped, sorted,
// naming keys and types, never values.
func sessionData(values map[interface{}]interface{}) (map[string]any, []string) {
	data := make(map[string]any, len(values))
	var dropped []string
	for k, v := range values {
		ks, ok := k.(string)
		switch {
		case !ok:
			dropped = append(dropped, fmt.Sprintf("a key of type %T (keys must be strings)", k))
			continue
		case !utf8.ValidString(ks):
			dropped = append(dropped, fmt.Sprintf("key %q (not UTF-8)", ks))
			continue
		}
		var inner int
		cv := jsonable(v, &inner)
		if _, err := json.Marshal(cv); err != nil {
			dropped = append(dropped, fmt.Sprintf("key %q: a %T that JSON cannot encode", ks, v))
			continue
		}
		if inner > 0 {
			dropped = append(dropped, fmt.Sprintf("key %q: %d entries inside it with keys that are not strings", ks, inner))
		}
		data[ks] = cv
	}
	slices.Sort(dropped)
	return data, dropped
}

// jsonable returns v with the maps of interface keys or values in it turned
// into map[string]any, counting in *dropped the entries whose keys are not
// UTF-8 strings.
func jsonable(v any, dropped *int) any { return jsonableDepth(v, dropped, 0) }

func jsonableDepth(v any, dropped *int, depth int) any {
	if depth > maxDepth { // a value that contains itself: dropped
		*dropped++
		return nil
	}
	switch v := v.(type) {
	case map[interface{}]interface{}:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if ks, ok := k.(string); ok && utf8.ValidString(ks) {
				out[ks] = jsonableDepth(e, dropped, depth+1)
			} else {
				*dropped++
			}
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			if utf8.ValidString(k) {
				out[k] = jsonableDepth(e, dropped, depth+1)
			} else {
				*dropped++
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = jsonableDepth(e, dropped, depth+1)
		}
		return out
	}
	return v
}

// SubjectKey returns a LegacyOptions.Subject function that takes the
// subject from the value under key: a string as it is, an integer (of any
// Go integer type, or a float64 holding an integer, as JSON decodes one)
// in decimal. Any other value, or none, gives "": an anonymous session.
func SubjectKey(key string) func(values map[interface{}]interface{}) string {
	return func(values map[interface{}]interface{}) string {
		switch v := values[key].(type) {
		case string:
			return v
		case int:
			return strconv.FormatInt(int64(v), 10)
		case int8:
			return strconv.FormatInt(int64(v), 10)
		case int16:
			return strconv.FormatInt(int64(v), 10)
		case int32:
			return strconv.FormatInt(int64(v), 10)
		case int64:
			return strconv.FormatInt(v, 10)
		case uint:
			return strconv.FormatUint(uint64(v), 10)
		case uint8:
			return strconv.FormatUint(uint64(v), 10)
		case uint16:
			return strconv.FormatUint(uint64(v), 10)
		case uint32:
			return strconv.FormatUint(uint64(v), 10)
		case uint64:
			return strconv.FormatUint(v, 10)
		case float64:
			if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
				return strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		return ""
	}
}
