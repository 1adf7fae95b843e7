package keyring

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
)

// MACSize is the length of a MAC: the key ID (4 bytes) and an
// HMAC-SHA256 tag (32 bytes).
const MACSize = 4 + sha256.Size

// macInfo prefixes the HKDF info of a MAC key, separating it from every
// other use of a key's secret (the envelope's encryption uses the secret
// itself).
const macInfo = "crumb keyring MAC v1\x00"

// MAC returns a message authentication code for msg under the primary key,
// for purpose (such as "csrf"): the key's ID and an HMAC-SHA256 tag under a
// key derived from the secret for that purpose alone (HKDF-SHA256), so a
// MAC for one purpose never verifies for another and never touches the
// secret's use for sealing. VerifyMAC checks it under any key that opens,
// so MACs survive a rotation as tokens do.
func (r *Ring) MAC(purpose string, msg []byte) []byte {
	if len(r.entries) == 0 {
		panic("keyring: MAC on a Ring not made by NewRing")
	}
	return macWith(&r.entries[r.primary].key, purpose, msg)
}

// VerifyMAC reports whether mac is a MAC of msg for purpose under a key of
// the ring that opens (primary or active), in constant time for a given
// key. A retired or unknown key verifies nothing.
func (r *Ring) VerifyMAC(purpose string, msg, mac []byte) bool {
	if len(mac) != MACSize {
		return false
	}
	i := r.index(binary.BigEndian.Uint32(mac))
	if i < 0 || r.entries[i].key.State == StateRetired {
		return false
	}
	return hmac.Equal(macWith(&r.entries[i].key, purpose, msg), mac)
}

// macWith computes the MAC of msg for purpose under k.
func macWith(k *Key, purpose string, msg []byte) []byte {
	secret := k.secret()
	mk, err := hkdf.Key(sha256.New, secret[:], nil, macInfo+purpose, sha256.Size)
	if err != nil {
		panic("keyring: HKDF: " + err.Error()) // only for an impossible length
	}
	h := hmac.New(sha256.New, mk)
	h.Write(msg)
	out := make([]byte, 4, MACSize)
	binary.BigEndian.PutUint32(out, k.ID)
	return h.Sum(out)
}
