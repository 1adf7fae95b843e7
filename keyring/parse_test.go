package keyring

import "testing"

func TestLineColumn(t *testing.T) {
	data := []byte("ab\ncd\n\nef")
	for _, tt := range []struct {
		off       int64
		line, col int
	}{{0, 1, 1}, {1, 1, 1}, {2, 1, 2}, {3, 2, 1}, {5, 2, 2}, {7, 4, 1}, {9, 4, 2}, {100, 4, 2}} {
		if line, col := lineColumn(data, tt.off); line != tt.line || col != tt.col {
			t.Errorf("lineColumn(%d) = %d:%d, want %d:%d", tt.off, line, col, tt.line, tt.col)
		}
	}
}
