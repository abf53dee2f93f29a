/**
 * Zero-shot and few-shot evaluation scored exactly as lm-evaluation-harness's Hugging Face causal LM scores
 * it: the commonsense suite of TinyLlama's paper (HellaSwag, OpenBookQA, WinoGrande, ARC-Easy,
 * ARC-Challenge, BoolQ, PIQA) and 5-shot MMLU.
 *
 * <p>{@link io.github.tinyllama.eval.Task} builds the harness's requests from published records,
 * {@link io.github.tinyllama.eval.RequestEncoder} tokenises them as the harness does,
 * {@link io.github.tinyllama.eval.LoglikelihoodScorer} scores them (a shared context read once per
 * question), {@link io.github.tinyllama.eval.TaskResult} computes acc and acc_norm with their standard
 * errors, and {@link io.github.tinyllama.eval.Evaluator} ties these together; {@link
 * io.github.tinyllama.eval.Reports} writes the harness-shaped JSON, the samples log and the paper-style table.
 */
package io.github.tinyllama.eval;
