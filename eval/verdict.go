package eval

// Verdict words a mean KL divergence (nats) for people.
func Verdict(kl float64) string {
	switch {
	case kl < 0.02:
		return "negligible loss"
	case kl < 0.1:
		return "mild loss"
	case kl < 0.5:
		return "noticeable loss"
	case kl < 1.5:
		return "severe loss: outputs differ often from the original"
	}
	return "very severe loss: the model is largely destroyed at this size"
}
