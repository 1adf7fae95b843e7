package revocation

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

func sampleRecords() []record {
	return []record{
		{kind: kindSession, id: testID(1), until: 1_700_000_000},
		{kind: kindIssuedBefore, id: testID(2), token: tokenEntry{hard: 1, soft: 2, softEffective: 3, until: 4}},
		{kind: kindSubject, skey: subjectKeyOf("ada"), subj: subjectEntry{before: 5, until: 6}},
		{kind: kindSubject, skey: subjectKeyOf(strings.Repeat("s", MaxSubjectLen)), subj: subjectEntry{before: 7, until: maxSeconds}},
	}
}

func TestRecordRoundTrip(t *testing.T) {
	for _, r := range sampleRecords() {
		b := r.appendTo([]byte("prefix"))[len("prefix"):]
		got, n, ok := parseRecord(append(b, "trailing"...))
		if !ok || n != len(b) || got != r {
			t.Errorf("parseRecord(appendTo(%+v)) = %+v, %d, %v", r, got, n, ok)
		}
		for cut := range len(b) {
			if _, _, ok := parseRecord(b[:cut]); ok {
				t.Errorf("kind %d: a record cut to %d of %d bytes parsed", r.kind, cut, len(b))
			}
		}
		for i := range len(b) * 8 {
			flipped := bytes.Clone(b)
			flipped[i/8] ^= 1 << (i % 8)
			if _, _, ok := parseRecord(flipped); ok {
				t.Errorf("kind %d: flipping bit %d went unnoticed", r.kind, i)
			}
		}
	}
}

// TestRecordLayout pins the byte layout documented in the package doc.
func TestRecordLayout(t *testing.T) {
	r := record{kind: kindSession, id: testID(1), until: 0x01020304}
	b := r.appendTo(nil)
	want := []byte{kindSession, sessionBodySize, 0}
	want = append(want, r.id[:]...)
	want = append(want, 0x04, 0x03, 0x02, 0x01)
	want = binary.LittleEndian.AppendUint32(want, crc32.Checksum(want, crc32.MakeTable(crc32.Castagnoli)))
	if !bytes.Equal(b, want) {
		t.Errorf("session record\n got %x\nwant %x", b, want)
	}
	if len(b) != sessionRecordSize {
		t.Errorf("session record is %d bytes, want %d", len(b), sessionRecordSize)
	}
	if got := (&record{kind: kindIssuedBefore}).appendTo(nil); len(got) != tokenRecordSize {
		t.Errorf("issued-before record is %d bytes, want %d", len(got), tokenRecordSize)
	}
	if h := logHeader(); string(h) != "CRUMBREV\x01\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("header %q", h)
	}
}

func TestParseRecordRejectsBadLengths(t *testing.T) {
	for _, c := range []struct {
		kind byte
		body int
	}{
		{0, 20}, {4, 20}, {kindSession, 19}, {kindSession, 21}, {kindIssuedBefore, 31},
		{kindSubject, 8}, {kindSubject, 8 + MaxSubjectLen + 1},
	} {
		b := []byte{c.kind, 0, 0}
		binary.LittleEndian.PutUint16(b[1:], uint16(c.body))
		b = append(b, make([]byte, c.body)...)
		b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli)) // a valid CRC
		if _, _, ok := parseRecord(b); ok {
			t.Errorf("kind %d with a %d-byte body parsed", c.kind, c.body)
		}
	}
}

func TestScanRecordsSkipsGarbage(t *testing.T) {
	recs := sampleRecords()
	var b []byte
	b = recs[0].appendTo(b)
	b = append(b, "garbage!"...)
	b = recs[1].appendTo(b)
	mid := len(b)
	b = recs[2].appendTo(b)
	b[mid+5] ^= 0xff // corrupt recs[2]
	b = recs[3].appendTo(b)
	b = append(b, recs[0].appendTo(nil)[:10]...) // torn tail
	var got []record
	st := scanRecords(b, func(r *record) { got = append(got, *r) })
	if len(got) != 3 || got[0] != recs[0] || got[1] != recs[1] || got[2] != recs[3] {
		t.Errorf("scan found %+v", got)
	}
	if st.records != 3 || st.badRegions != 3 || st.badBytes != 8+len(recs[2].appendTo(nil))+10 {
		t.Errorf("scan stats %+v", st)
	}
}
