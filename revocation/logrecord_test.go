package revocation

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/crumbhq/crumb/revocation/internal/table"
)

func sampleRecords() []record {
	return []record{
		{Kind: table.KindSession, ID: testID(1), Key: table.KeyOf("ada"), Created: 1_699_000_000, Until: 1_700_000_000},
		{Kind: table.KindToken, ID: testID(2), Key: table.KeyOf("grace"), Created: 9, Token: tokenEntry{hard: 1, soft: 2, softEffective: 3, until: 4}},
		{Kind: table.KindSubject, Key: table.KeyOf("ada"), Subject: table.Subject{Before: 5, Until: 6}},
		{Kind: table.KindSession, ID: testID(3), Key: table.NoKey, Until: maxSeconds}, // upgraded from version 1
	}
}

// frame frames a record by hand, independently of appendRecord:
// kind (1) || body length (2, little-endian) || body || CRC-32C of the rest.
func frame(kind byte, body []byte) []byte {
	b := []byte{kind, 0, 0}
	binary.LittleEndian.PutUint16(b[1:], uint16(len(body)))
	b = append(b, body...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// le32 concatenates the little-endian encodings of vs.
func le32(vs ...uint32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, v)
	}
	return b
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestRecordRoundTrip(t *testing.T) {
	for _, r := range sampleRecords() {
		b := appendRecord([]byte("prefix"), &r)[len("prefix"):]
		got, n, ok := parseRecord(logVersion, append(b, "trailing"...))
		if !ok || n != len(b) || got != r {
			t.Errorf("parseRecord(appendRecord(%+v)) = %+v, %d, %v", r, got, n, ok)
		}
		if _, _, ok := parseRecord(1, b); ok && r.Kind != table.KindSubject {
			t.Errorf("kind %d: a version-2 record parsed as version 1", r.Kind)
		}
		for cut := range len(b) {
			if _, _, ok := parseRecord(logVersion, b[:cut]); ok {
				t.Errorf("kind %d: a record cut to %d of %d bytes parsed", r.Kind, cut, len(b))
			}
		}
		for i := range len(b) * 8 {
			flipped := bytes.Clone(b)
			flipped[i/8] ^= 1 << (i % 8)
			if _, _, ok := parseRecord(logVersion, flipped); ok {
				t.Errorf("kind %d: flipping bit %d went unnoticed", r.Kind, i)
			}
		}
	}
}

// TestRecordLayout pins the version-2 byte layout, built by hand.
func TestRecordLayout(t *testing.T) {
	key := table.KeyOf("ada")
	id := testID(1)
	for _, c := range []struct {
		r    record
		want []byte
		size int
	}{
		{
			record{Kind: table.KindSession, ID: id, Key: key, Created: 0x0a0b0c0d, Until: 0x01020304},
			frame(1, cat(id[:], key[:], le32(0x0a0b0c0d, 0x01020304))),
			sessionRecordSize,
		},
		{
			record{Kind: table.KindToken, ID: id, Key: key, Created: 7, Token: tokenEntry{hard: 1, soft: 2, softEffective: 3, until: 4}},
			frame(2, cat(id[:], key[:], le32(7, 1, 2, 3, 4))),
			tokenRecordSize,
		},
		{
			record{Kind: table.KindSubject, Key: key, Subject: table.Subject{Before: 5, Until: 6}},
			frame(3, cat(le32(5, 6), key[:])),
			subjectRecordSize,
		},
	} {
		got := appendRecord(nil, &c.r)
		if !bytes.Equal(got, c.want) {
			t.Errorf("kind %d record\n got %x\nwant %x", c.r.Kind, got, c.want)
		}
		if len(got) != c.size {
			t.Errorf("kind %d record is %d bytes, want %d", c.r.Kind, len(got), c.size)
		}
	}
	if h := logHeader(); string(h) != "CRUMBREV\x02\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("header %q", h)
	}
}

// TestVersion1Records parses records laid out as crumb 0.1 wrote them: no
// subject key or created-at, so the entries belong to table.NoKey.
func TestVersion1Records(t *testing.T) {
	id := testID(1)
	key := table.KeyOf("ada")
	for _, c := range []struct {
		b    []byte
		want record
	}{
		{frame(1, cat(id[:], le32(1234))), record{Kind: table.KindSession, ID: id, Until: 1234}},
		{frame(2, cat(id[:], le32(1, 2, 3, 4))), record{Kind: table.KindToken, ID: id, Token: tokenEntry{hard: 1, soft: 2, softEffective: 3, until: 4}}},
		{frame(3, cat(le32(5, 6), key[:])), record{Kind: table.KindSubject, Key: key, Subject: table.Subject{Before: 5, Until: 6}}},
	} {
		got, n, ok := parseRecord(1, c.b)
		if !ok || n != len(c.b) || got != c.want {
			t.Errorf("version-1 kind %d: %+v, %d, %v; want %+v", c.b[0], got, n, ok, c.want)
		}
		if c.b[0] != kindSubject {
			if _, _, ok := parseRecord(logVersion, c.b); ok {
				t.Errorf("version-1 kind %d parsed as version 2", c.b[0])
			}
		}
	}
}

func TestParseRecordRejectsBadLengths(t *testing.T) {
	for _, c := range []struct {
		version, kind byte
		body          int
	}{
		{2, 0, 64}, {2, 4, 64}, {2, kindSession, sessionBodySize - 1}, {2, kindSession, sessionBodySize + 1},
		{2, kindIssuedBefore, tokenBodySize - 1}, {2, kindSubject, subjectBodySize + 1}, {2, kindSession, v1SessionBody},
		{1, kindSession, sessionBodySize}, {1, kindIssuedBefore, tokenBodySize}, {1, kindSubject, 8 + 1},
	} {
		b := frame(c.kind, make([]byte, c.body)) // a valid CRC
		if _, _, ok := parseRecord(c.version, b); ok {
			t.Errorf("version %d: kind %d with a %d-byte body parsed", c.version, c.kind, c.body)
		}
	}
}

func TestHeaderVersion(t *testing.T) {
	for _, c := range []struct {
		h    string
		want byte
	}{
		{"CRUMBREV\x01\x00\x00\x00\x00\x00\x00\x00", 1},
		{"CRUMBREV\x02\x00\x00\x00\x00\x00\x00\x00", 2},
		{"CRUMBREV\x02\x00\x00\x00\x00\x00\x00\x00trailing records", 2},
		{"CRUMBREV\x00\x00\x00\x00\x00\x00\x00\x00", 0},
		{"CRUMBREV\x03\x00\x00\x00\x00\x00\x00\x00", 0},
		{"CRUMBREV\x02\x00\x00\x00\x00\x00\x00\x01", 0},
		{"CRUMBREW\x02\x00\x00\x00\x00\x00\x00\x00", 0},
		{"CRUMBREV\x02\x00\x00\x00\x00\x00\x00", 0},
	} {
		if got := headerVersion([]byte(c.h)); got != c.want {
			t.Errorf("headerVersion(%q) = %d, want %d", c.h, got, c.want)
		}
	}
}

func TestScanRecordsSkipsGarbage(t *testing.T) {
	recs := sampleRecords()
	var b []byte
	b = appendRecord(b, &recs[0])
	b = append(b, "garbage!"...)
	b = appendRecord(b, &recs[1])
	mid := len(b)
	b = appendRecord(b, &recs[2])
	b[mid+5] ^= 0xff // corrupt recs[2]
	b = appendRecord(b, &recs[3])
	b = append(b, appendRecord(nil, &recs[0])[:10]...) // torn tail
	var got []record
	st := scanRecords(logVersion, b, func(r *record) { got = append(got, *r) })
	if len(got) != 3 || got[0] != recs[0] || got[1] != recs[1] || got[2] != recs[3] {
		t.Errorf("scan found %+v", got)
	}
	if st.records != 3 || st.badRegions != 3 || st.badBytes != 8+subjectRecordSize+10 || st.tail != 10 {
		t.Errorf("scan stats %+v", st)
	}
}
