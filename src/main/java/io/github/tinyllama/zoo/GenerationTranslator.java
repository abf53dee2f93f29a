package io.github.tinyllama.zoo;

import ai.djl.ndarray.NDList;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;

import java.util.function.Function;

/**
 * Runs a whole generation for one predictor call.
 *
 * <p>Generation is a loop of model steps with a KV cache, which DJL's one-forward-per-call
 * predictor cannot express; so the loop runs in {@code processInput}, and the block receives an
 * empty list, which {@link io.github.tinyllama.nn.LlamaModel} answers with an empty list.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
final class GenerationTranslator<I, O> implements NoBatchifyTranslator<I, O> {

    private static final String RESULT = "tinyllama.result";

    private final Function<I, O> job;

    GenerationTranslator(Function<I, O> job) {
        this.job = job;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, I input) {
        ctx.setAttachment(RESULT, job.apply(input));
        return new NDList();
    }

    @Override
    @SuppressWarnings("unchecked")
    public O processOutput(TranslatorContext ctx, NDList list) {
        return (O) ctx.getAttachment(RESULT);
    }
}
