package io.github.tinyllama.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The fine-tuning test conversations ({@code src/test/resources/finetune/}). */
public final class ChatData {

    /** 96 conversations teaching the reply style {@code Beep boop! The X is wonderful. Beep!}. */
    public static final Path TRAIN = Path.of("src", "test", "resources", "finetune", "beep-train.jsonl");
    /** 10 more about other things, held out. */
    public static final Path EVAL = Path.of("src", "test", "resources", "finetune", "beep-eval.jsonl");

    private ChatData() {}

    /** Writes the first {@code count} training conversations into {@code dir/train.jsonl}, for quick runs. */
    public static Path first(int count, Path dir) throws IOException {
        Path file = dir.resolve("train.jsonl");
        Files.write(file, Files.readAllLines(TRAIN).subList(0, count));
        return file;
    }
}
