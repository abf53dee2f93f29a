package io.github.tinyllama.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.LlamaNetwork;

import java.util.Map;

/**
 * Grows a model's vocabulary for added tokens, as TinyLlama's SFT did
 * ({@code smart_tokenizer_and_embedding_resize}): each new row of the input embedding, and of the
 * output head when it is not tied, is the mean of that matrix's existing rows.
 */
public final class VocabularyResize {

    private VocabularyResize() {}

    /**
     * Returns a model like {@code model} with {@code vocabSize} tokens. The other parameters are
     * shared with {@code model}, which should not be used afterwards.
     *
     * @param model a model with its weights loaded
     * @param vocabSize the new vocabulary size, at least the current one
     * @param manager owner of the grown matrices
     * @return {@code model} itself when the size is unchanged, else the grown model
     */
    public static LlamaNetwork grow(LlamaNetwork model, int vocabSize, NDManager manager) {
        LlamaConfig old = model.config();
        if (vocabSize < old.vocabSize()) {
            throw new IllegalArgumentException("cannot shrink the vocabulary from " + old.vocabSize() + " to " + vocabSize);
        }
        if (vocabSize == old.vocabSize()) {
            return model;
        }
        LlamaConfig config = new LlamaConfig(old.hiddenSize(), old.intermediateSize(), old.numLayers(), old.numHeads(),
                old.numKvHeads(), vocabSize, old.maxPositions(), old.rmsNormEps(), old.ropeTheta(),
                old.ropeScalingFactor(), old.tieWordEmbeddings(), old.bosTokenId(), old.eosTokenIds());
        LlamaNetwork grown = new LlamaNetwork(config);
        Map<String, Parameter> from = model.parametersByName();
        grown.parametersByName().forEach((name, p) -> {
            NDArray array = from.get(name).getArray();
            boolean vocabularyRows = name.equals("model.embed_tokens.weight") || name.equals("lm_head.weight");
            p.setArray(vocabularyRows ? withMeanRows(array, vocabSize - old.vocabSize(), manager) : array);
        });
        return grown;
    }

    private static NDArray withMeanRows(NDArray matrix, int count, NDManager manager) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray mean = matrix.mean(new int[] {0}, true);
            NDArray grown = matrix.concat(mean.repeat(0, count), 0);
            grown.attach(manager);
            NDScope.unregister(grown);
            return grown;
        }
    }
}
