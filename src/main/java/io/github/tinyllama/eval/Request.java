package io.github.tinyllama.eval;

/**
 * A log-likelihood request as lm-evaluation-harness builds it: score {@code continuation} given
 * {@code context}.
 *
 * @param context the prompt, exactly as the harness renders it (few-shot examples included)
 * @param continuation the scored text, with the target delimiter in front (usually one space)
 */
public record Request(String context, String continuation) {}
