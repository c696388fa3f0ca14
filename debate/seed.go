package debate

// TurnSeed returns the seed of turn index (0-based, counting every turn of a run in speaking
// order) of a run with seed run. It is the SplitMix64 output for the state
// run + (index+1)·0x9E3779B97F4A7C15, so consecutive turns get unrelated seeds and the same run
// seed always gives the same sequence. Code that adds turns after the debate, such as the
// trader's, continues the numbering at len(Transcript.Turns).
func TurnSeed(run uint64, index int) uint64 {
	const golden = 0x9E3779B97F4A7C15
	z := run + uint64(index+1)*golden
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}
