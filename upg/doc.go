// Package upg reads and writes UPG v1 container files: the "Container"
// section of docs/FORMAT.md (the codecs themselves are the "Codecs"
// section, implemented by package codec).
//
// A .upg file is a valid safetensors file. Each tensor of the original
// checkpoint is stored either plain (its dtype, shape and bytes under its
// own name) or encoded (one U8 tensor per codec blob, named
// "<name>.<blob>"). Every stored tensor's data starts 64-byte aligned; the
// "__metadata__" object holds "format" = "upg", "format_version" = "1" and
// one JSON entry "upg.tensor.<name>" per original tensor with its codec,
// shape, parameters, blob lengths and CRC-32C checksums.
//
// Writing streams one tensor at a time; memory is bounded by the tensor
// being added:
//
//	w, err := upg.Create("model.upg", upg.Options{})
//	err = w.AddEncoded("model.layers.0.mlp.up_proj.weight", enc)
//	err = w.AddPlain("model.norm.weight", safetensors.F32, []int64{n}, data)
//	err = w.Close() // or w.Abort() on failure
//
// Reading maps the file and hands out zero-copy views:
//
//	f, err := upg.Open("model.upg")
//	enc, err := f.Encoded("model.layers.0.mlp.up_proj.weight")
//	err = enc.DotRows(y, x, 0, enc.Rows)
package upg
