package codec

// Padding follows ISO/IEC 7816-4: one 0x80 byte, then zero bytes up to the
// bucket boundary. It is unambiguous whatever the payload ends with, so the
// reader needs no length field.

const padMarker = 0x80

// pad appends padding to b so that len(b) becomes the smallest multiple of
// bucket that is larger than len(b) (at least the marker byte is added).
func pad(b []byte, bucket int) []byte {
	n := (len(b)/bucket + 1) * bucket
	b = append(b, padMarker)
	for len(b) < n {
		b = append(b, 0)
	}
	return b
}

// unpad removes padding from b. ok is false when b holds no marker.
func unpad(b []byte) (_ []byte, ok bool) {
	i := len(b) - 1
	for i >= 0 && b[i] == 0 {
		i--
	}
	if i < 0 || b[i] != padMarker {
		return nil, false
	}
	return b[:i], true
}
