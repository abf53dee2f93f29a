package io.github.tinyllama.train;

import io.github.tinyllama.data.PackedDataset;
import io.github.tinyllama.generate.LanguageModel;

import java.io.IOException;
import java.nio.file.Path;

/** Mean next-token loss of a model on held-out packed blocks, read in file order. */
public final class HeldOutLoss {

    private HeldOutLoss() {}

    /**
     * Scores the first {@code blocks} blocks of the packed files under a prefix.
     *
     * @param model the model
     * @param dataDir the packed files' directory
     * @param prefix the held-out files' prefix (for example {@code valid_prose})
     * @param seqLen tokens per block, less one
     * @param blocks how many blocks to score (fewer if the files hold fewer)
     * @return the mean cross-entropy per predicted token, in nats
     * @throws IOException if the files cannot be read
     */
    public static double compute(LanguageModel model, Path dataDir, String prefix, int seqLen, int blocks)
            throws IOException {
        try (PackedDataset data = PackedDataset.builder().optDirectory(dataDir, prefix).setSeqLen(seqLen)
                .optShuffle(false).setSampling(1, false).build().checkingVocabulary(model.config().vocabSize())) {
            long count = Math.min(blocks, data.blocks());
            double sum = 0;
            long tokens = 0;
            long[] block = new long[seqLen + 1];
            for (long b = 0; b < count; b++) {
                data.readBlock(b, block);
                double[] logprobs = model.scorer().score(block);
                for (int i = 1; i < logprobs.length; i++) {
                    sum -= logprobs[i];
                    tokens++;
                }
            }
            return sum / tokens;
        }
    }
}
