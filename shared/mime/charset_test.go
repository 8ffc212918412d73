package mime

import "testing"

func TestGuessLegacy(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"vietnamese tone marks after vowels", []byte("Em \xf0a\xde nh\xe2\xf2n \xf0\xfd\xf5\xf2c ha\xccng"), "windows-1258"},
		{"french", []byte("J'ai re\xe7u la th\xe9i\xe8re cass\xe9e"), "windows-1252"},
		{"portuguese", []byte("n\xe3o recebi o pedido, obrigada"), "windows-1252"},
		{"italian grave after consonant", []byte("cos\xec va bene, pi\xf9 tardi"), "windows-1252"},
	}
	for _, tt := range tests {
		if got, _ := guessLegacy(tt.in); got != tt.want {
			t.Errorf("%s: guessLegacy = %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestUnflow(t *testing.T) {
	tests := []struct {
		name, in string
		delsp    bool
		want     string
	}{
		{"joins soft breaks", "Hello \nworld\nNext", false, "Hello world\nNext"},
		{"delsp removes the space", "Xin chà\no anh", false, "Xin chà\no anh"},
		{"delsp yes", "Sehr geehr\nter", true, "Sehr geehr\nter"},
		{"delsp joins", "Sehr geehr \nter", true, "Sehr geehrter"},
		{"quoted depth kept apart", "> quoted \n> more\nmine", false, "> quoted more\nmine"},
		{"signature not joined", "text\n-- \nLan", false, "text\n-- \nLan"},
		{"space-stuffed", " From here\n >not quoted", false, "From here\n>not quoted"},
	}
	for _, tt := range tests {
		if got := unflow(tt.in, tt.delsp); got != tt.want {
			t.Errorf("%s: unflow = %q, want %q", tt.name, got, tt.want)
		}
	}
}
