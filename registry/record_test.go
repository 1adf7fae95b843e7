package registry

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// sampleRecords returns one record of each kind, with and without labels.
func sampleRecords() []record {
	k := keyOf("alice@example.com")
	labels := encodeLabels(map[string]string{"device": "Firefox on Linux", "where": "Lyon, France", "é": ""})
	return []record{
		{kind: kindAdd, key: k, id: sid(1), created: 1_800_000_000, lastSeen: 1_800_000_100, expires: 1_800_043_200, hasLabels: true, labels: labels},
		{kind: kindAdd, key: k, id: sid(2), created: 1, lastSeen: 2, expires: 1<<32 - 1, hasLabels: true},
		{kind: kindSeen, key: k, id: sid(3), lastSeen: 1_800_000_450},
		{kind: kindSeen, key: k, id: sid(3), lastSeen: 1_800_000_450, hasLabels: true},
		{kind: kindSeen, key: k, id: sid(3), lastSeen: 1_800_000_450, hasLabels: true, labels: labels},
		{kind: kindRemove, key: k, id: sid(4)},
		{kind: kindRemoveBefore, key: k, created: 1_800_000_000},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for i, r := range sampleRecords() {
		b := appendRecord([]byte("prefix"), &r)[len("prefix"):]
		got, n, res := parseRecord(append(b, 0xff, 0xee))
		if res != parsedOK || n != len(b) || got != r {
			t.Fatalf("record %d: parsed %+v (%d bytes, %v), want %+v (%d bytes)", i, got, n, res, r, len(b))
		}
	}
}

func TestRecordBitFlipsAndTruncations(t *testing.T) {
	for i, r := range sampleRecords() {
		b := appendRecord(nil, &r)
		for bit := range len(b) * 8 {
			c := bytes.Clone(b)
			c[bit/8] ^= 1 << (bit % 8)
			if _, _, res := parseRecord(c); res == parsedOK {
				t.Fatalf("record %d with bit %d flipped parses", i, bit)
			}
		}
		for n := range len(b) {
			if _, _, res := parseRecord(b[:n]); res == parsedOK {
				t.Fatalf("record %d cut to %d bytes parses", i, n)
			}
		}
	}
}

// frame frames body as a record of kind with a valid checksum.
func frame(kind byte, body []byte) []byte {
	b := []byte{kind, 0, 0}
	binary.LittleEndian.PutUint16(b[1:], uint16(len(body)))
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func TestRecordRejectsNonCanonical(t *testing.T) {
	fixed := make([]byte, addFixedSize) // add: key, id, times
	pair := func(k, v string) []byte {
		return append(append(append([]byte{byte(len(k))}, k...), byte(len(v))), v...)
	}
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	var nine [][]byte
	for i := range 9 {
		nine = append(nine, pair(string(rune('a'+i)), "v"))
	}
	for name, labels := range map[string][]byte{
		"unsorted keys":   cat(pair("b", "1"), pair("a", "2")),
		"duplicate keys":  cat(pair("a", "1"), pair("a", "2")),
		"empty key":       pair("", "v"),
		"long key":        pair(strings.Repeat("k", MaxLabelKeyLen+1), "v"),
		"long value":      pair("k", strings.Repeat("v", MaxLabelValueLen+1)),
		"key not UTF-8":   pair("\xff", "v"),
		"value not UTF-8": pair("k", "\xc3("),
		"too many":        cat(nine...),
		"cut pair":        pair("key", "value")[:6],
	} {
		if _, _, res := parseRecord(frame(kindAdd, cat(fixed, labels))); res == parsedOK {
			t.Errorf("labels with %s parse", name)
		}
	}
	seen := make([]byte, seenFixedSize)
	seen[seenFixedSize-1] = 2
	if _, _, res := parseRecord(frame(kindSeen, seen)); res == parsedOK {
		t.Error("a seen record with flag 2 parses")
	}
	seen[seenFixedSize-1] = 0
	if _, _, res := parseRecord(frame(kindSeen, append(seen, pair("k", "v")...))); res == parsedOK {
		t.Error("a seen record without labels but with label bytes parses")
	}
	if _, _, res := parseRecord(frame(kindRemove, make([]byte, removeSize+1))); res == parsedOK {
		t.Error("a remove record one byte long parses")
	}
	if _, _, res := parseRecord(frame(9, make([]byte, removeSize))); res == parsedOK {
		t.Error("a record of an unknown kind parses")
	}
}

func TestScanSkipsDamage(t *testing.T) {
	rs := sampleRecords()
	var b []byte
	b = appendRecord(b, &rs[0])
	b = append(b, "garbage between records"...)
	b = appendRecord(b, &rs[2])
	torn := appendRecord(nil, &rs[5])
	b = append(b, torn[:len(torn)-3]...)
	var got []record
	n, st := scanRecords(b, false, func(r *record) { got = append(got, *r) })
	if len(got) != 2 || got[0] != rs[0] || got[1] != rs[2] || st.badRegions != 1 || n != len(b)-len(torn)+3 {
		t.Fatalf("scan of a followed file: %d records, %+v, consumed %d of %d", len(got), st, n, len(b))
	}
	got = nil
	n, st = scanRecords(b, true, func(r *record) { got = append(got, *r) })
	if len(got) != 2 || st.badRegions != 2 || n != len(b) {
		t.Fatalf("scan at load: %d records, %+v, consumed %d of %d", len(got), st, n, len(b))
	}
}

func TestHeader(t *testing.T) {
	h := fileHeader()
	if len(h) != headerSize || string(h[:8]) != fileMagic || h[8] != fileVersion {
		t.Fatalf("header %x", h)
	}
	for _, c := range []struct {
		data []byte
		want headerStatus
	}{
		{h, headerOK},
		{append(bytes.Clone(h), 1, 2, 3), headerOK},
		{nil, headerPartial},
		{h[:5], headerPartial},
		{h[:headerSize-1], headerPartial},
		{[]byte("CRUMBREV"), headerForeign},
		{append([]byte(fileMagic), 2, 0, 0, 0, 0, 0, 0, 0), headerFuture},
		{append([]byte(fileMagic), 0, 0, 0, 0, 0, 0, 0, 0), headerForeign},
		{append([]byte(fileMagic), 1, 0, 0, 0, 0, 0, 0, 9), headerForeign},
	} {
		if got := checkHeader(c.data); got != c.want {
			t.Errorf("checkHeader(%q) = %v, want %v", c.data, got, c.want)
		}
	}
}

// FuzzParseRecord checks that whatever parses re-encodes to the same
// bytes: a record has one encoding.
func FuzzParseRecord(f *testing.F) {
	for _, r := range sampleRecords() {
		f.Add(appendRecord(nil, &r))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, n, res := parseRecord(b)
		if res != parsedOK {
			return
		}
		if again := appendRecord(nil, &r); !bytes.Equal(again, b[:n]) {
			t.Fatalf("%x parses as %+v, which encodes as %x", b[:n], r, again)
		}
		if r.labels != "" && encodeLabels(decodeLabels(r.labels)) != r.labels {
			t.Fatalf("labels %q do not round-trip", r.labels)
		}
	})
}
