package upg

import (
	"testing"
)

// FuzzParseMetadata checks that the metadata parser never panics and that
// whatever it accepts is self-consistent.
func FuzzParseMetadata(f *testing.F) {
	f.Add("1", "upg.tensor.w", `{"kind":"encoded","shape":[4,64],"codec":"q4","codec_id":1,"params":{"rotation":"hadamard","seed":1,"rot_block":64,"outliers":0},"blobs":{"codes":{"len":128,"crc32c":"0123abcd"},"scales":{"len":16,"crc32c":"00000000"}}}`)
	f.Add("1", "upg.tensor.n", `{"kind":"plain","shape":[7],"dtype":"F32","len":28,"crc32c":"89abcdef"}`)
	f.Add("1", "upg.tensor.n", `{"kind":"plain","shape":[4611686018427387904,4],"dtype":"F32","len":0,"crc32c":"89abcdef"}`)
	f.Add("2", "upg.x", `{}`)
	f.Fuzz(func(t *testing.T, version, key, val string) {
		ents, err := ParseMetadata(map[string]string{KeyFormat: FormatName, KeyVersion: version, key: val})
		if err != nil {
			return
		}
		for name, e := range ents {
			if e.Name != name || (e.Kind != KindEncoded && e.Kind != KindPlain) {
				t.Fatalf("accepted inconsistent entry %q: %+v", name, e)
			}
			if e.Kind == KindPlain && e.BlobInfo == nil {
				t.Fatalf("plain entry %q without len", name)
			}
		}
	})
}
