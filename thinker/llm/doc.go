// Package llm provides a thinker that asks a language model behind any OpenAI-compatible Chat
// Completions API (OpenAI, vLLM, Ollama, LM Studio, a llama.cpp server or a relay) for a
// forecast, and refines it over several rounds: a draft, then rounds that critique the last
// answer and revise it, stopping early when two successive answers agree within a tolerance.
//
// Each answer is a JSON object with the summary numbers of the latent path: the probability
// that the target ends above zero, the expected move, and the 10th, 50th and 90th percentiles,
// all as simple percentages, plus key points and a rationale. Distribution turns the answer
// into probabilities over the model bundle's bin edges, so the manager's decision rule reads an
// LLM thought exactly as it reads a latent one.
//
// The thinker asks for the JSON with a JSON schema response format, falls back to JSON mode and
// then to extracting the JSON from free text when the server rejects a format. It asks once for
// a repair when an answer is invalid. It retries rate limits, server errors and timeouts with
// exponential backoff and jitter, honouring Retry-After, stops a run that would exceed its token
// budget, and caches responses on disk so reruns send no requests. The API key is read from an
// environment variable and never appears in logs, errors, the Config's String or cache files.
package llm
