/**
 * Zero-shot and few-shot evaluation scored exactly as lm-evaluation-harness's Hugging Face causal LM scores
 * it: the commonsense suite of TinyLlama's paper (HellaSwag, OpenBookQA, WinoGrande, ARC-Easy,
 * ARC-Challenge, BoolQ, PIQA) and 5-shot MMLU.
 *
 * <p>{@link io.github.tinyllama.eval.DataFiles} reads the published records from JSON Lines or Parquet files
 * (fetching a missing one through a {@link io.github.tinyllama.eval.DataFiles.Fetcher}, which the CLI wires
 * to the model zoo's hub client), {@link io.github.tinyllama.eval.Task} builds the harness's requests from
 * them, {@link io.github.tinyllama.eval.RequestEncoder} tokenises them as the harness does,
 * {@link io.github.tinyllama.eval.LoglikelihoodScorer} scores them (each shared context read once, the
 * contexts of many questions in one padded batch), {@link io.github.tinyllama.eval.TaskResult} computes acc and acc_norm with their standard
 * errors, and {@link io.github.tinyllama.eval.Evaluator} ties these together; {@link
 * io.github.tinyllama.eval.Reports} writes the harness-shaped JSON, the samples log and the paper-style table.
 *
 * <p>May import: {@code data}, {@code generate}, {@code tokenizer}, {@code util}.
 */
package io.github.tinyllama.eval;
