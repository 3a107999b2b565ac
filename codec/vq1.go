package codec

func init() {
	register(&Codec{Name: "vq1", ID: 9, GroupSize: 8, BitsPerWeight: 1,
		Doc:  "1 bpw: 8-weight vectors, 2-entry sign-structured table (the residual table of vq3) as the only stage, 8 bits per vector, F16 row scale",
		impl: vqCodec([]vqStage{u8Stage(&svqTable1, "codes", "scales")}, 1)})
}
