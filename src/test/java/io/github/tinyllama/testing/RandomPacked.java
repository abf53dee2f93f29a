package io.github.tinyllama.testing;

import io.github.tinyllama.data.PackedWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** Packed training files of uniformly random tokens, for runs whose data content does not matter. */
public final class RandomPacked {

    private RandomPacked() {}

    /**
     * Writes {@code files} packed files of {@code chunkTokens} random tokens per prefix.
     *
     * @param dir the output directory
     * @param vocab tokens are drawn from {@code [0, vocab)}
     * @param chunkTokens tokens per file
     * @param files files per prefix
     * @param seed the seed of the tokens
     * @param prefixes the file-name prefixes
     */
    public static void write(Path dir, int vocab, int chunkTokens, int files, long seed, String... prefixes)
            throws IOException {
        Random random = new Random(seed);
        for (String prefix : prefixes) {
            try (PackedWriter w = new PackedWriter(dir, prefix, chunkTokens, 1)) {
                long[] tokens = new long[chunkTokens * files];
                for (int i = 0; i < tokens.length; i++) {
                    tokens[i] = random.nextInt(vocab);
                }
                w.add(tokens);
            }
        }
    }
}
