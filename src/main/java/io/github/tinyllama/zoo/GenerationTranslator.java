package io.github.tinyllama.zoo;

import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Runs whole generations for a predictor call, all inputs of a {@code batchPredict} decoded together.
 *
 * <p>Generation is a loop of model steps with a KV cache, which DJL's one-forward-per-call predictor
 * cannot express. So {@code processInput} only collects the inputs (the block receives empty lists, which
 * {@link io.github.tinyllama.nn.LlamaNetwork} answers with empty lists), and the first {@code processOutput} of
 * the call runs the batch job on all of them; the rest hand out its results in order. DJL's
 * {@code predict(x)} is {@code batchPredict(List.of(x))}, so single calls take the same path.
 *
 * @param <I> the input type
 * @param <O> the output type
 */
final class GenerationTranslator<I, O> implements Translator<I, O> {

    private static final String INPUTS = "tinyllama.inputs";
    private static final String OUTPUTS = "tinyllama.outputs";

    private final Function<List<I>, List<O>> job;
    private final CountingBatchifier batchifier = new CountingBatchifier();

    GenerationTranslator(Function<List<I>, List<O>> job) {
        this.job = job;
    }

    @Override
    @SuppressWarnings("unchecked")
    public NDList processInput(TranslatorContext ctx, I input) {
        List<I> inputs = (List<I>) ctx.getAttachment(INPUTS);
        if (inputs == null) {
            inputs = new ArrayList<>();
            ctx.setAttachment(INPUTS, inputs);
        }
        inputs.add(input);
        return new NDList();
    }

    @Override
    @SuppressWarnings("unchecked")
    public O processOutput(TranslatorContext ctx, NDList list) {
        List<O> outputs = (List<O>) ctx.getAttachment(OUTPUTS);
        if (outputs == null) {
            outputs = new ArrayList<>(job.apply((List<I>) ctx.getAttachment(INPUTS)));
            ctx.setAttachment(OUTPUTS, outputs);
        }
        return outputs.remove(0);
    }

    @Override
    public Batchifier getBatchifier() {
        return batchifier;
    }

    /**
     * Passes empty lists through the predictor, remembering how many inputs the call had so that it can hand
     * back as many outputs; batchify and unbatchify run on the calling thread, one call after the other.
     */
    private static final class CountingBatchifier implements Batchifier {
        private final ThreadLocal<Integer> count = new ThreadLocal<>();

        @Override
        public NDList batchify(NDList[] inputs) {
            count.set(inputs.length);
            return new NDList();
        }

        @Override
        public NDList[] unbatchify(NDList inputs) {
            NDList[] out = new NDList[count.get()];
            count.remove();
            for (int i = 0; i < out.length; i++) {
                out[i] = new NDList();
            }
            return out;
        }

        @Override
        public NDList[] split(NDList list, int numOfSlices, boolean evenSplit) {
            return unbatchify(list);
        }
    }
}
