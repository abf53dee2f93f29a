package io.github.tinyllama.cli;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.testing.RandomPacked;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A pre-training run small enough to repeat many times in a test: a 2-layer model of width 64 over a
 * vocabulary of 4,096 (checkpoints of about 3 MB, so a write takes long enough to be interrupted),
 * blocks of 16 tokens of random data.
 */
final class TinyRun {

    final Path data;
    final Path config;

    private TinyRun(Path data, Path config) {
        this.data = data;
        this.config = config;
    }

    static TinyRun in(Path dir) throws IOException {
        Path data = dir.resolve("data");
        RandomPacked.write(data, 4096, 17 * 64, 2, 1, "train");
        Path config = dir.resolve("config.json");
        Files.writeString(config, new LlamaConfig(64, 128, 2, 4, 2, 4096, 64, 1e-5, 10000, 1, true, 1, List.of(2))
                .toJson("float32"));
        return new TinyRun(data, config);
    }

    /** The pretrain arguments for {@code steps} steps into {@code out}, a checkpoint after every step, then {@code more}. */
    String[] args(Path out, int steps, String... more) {
        List<String> args = new ArrayList<>(List.of("pretrain", "--data-dir", data.toString(), "--out", out.toString(),
                "--config", config.toString(), "--seq-len", "16", "--micro-batch-size", "2", "--global-batch-size", "4",
                "--lr", "1e-3", "--min-lr", "1e-4", "--warmup-steps", "1", "--max-steps", Integer.toString(steps),
                "--save-every", "1"));
        args.addAll(Arrays.asList(more));
        return args.toArray(String[]::new);
    }
}
