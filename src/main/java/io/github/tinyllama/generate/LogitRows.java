package io.github.tinyllama.generate;

import java.util.Arrays;

/** Logits that come back from the engine as one flat array, one vocabulary-sized row after another. */
final class LogitRows {

    private LogitRows() {}

    /**
     * Splits {@code flat} into {@code count} equal rows.
     *
     * @throws IllegalArgumentException if its length is not a multiple of {@code count}
     */
    static float[][] split(float[] flat, int count) {
        if (count < 1 || flat.length % count != 0) {
            throw new IllegalArgumentException(flat.length + " logits do not make " + count + " equal rows");
        }
        int vocab = flat.length / count;
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            out[i] = Arrays.copyOfRange(flat, i * vocab, (i + 1) * vocab);
        }
        return out;
    }
}
