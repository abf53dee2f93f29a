package io.github.tinyllama.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real Llama-2/TinyLlama SentencePiece model, kept outside the repository in {@code ../shared/llama2/}. */
public final class SharedTokenizer {

    /** Where the file is expected, relative to the repository root (Maven's working directory). */
    public static final Path PATH = Path.of("..", "shared", "llama2", "tokenizer.model");

    private SharedTokenizer() {}

    /** Returns the path, or skips the calling test with a message when the file is absent. */
    public static Path require() {
        assumeTrue(Files.isRegularFile(PATH),
                "skipped: the Llama-2 tokenizer " + PATH.toAbsolutePath().normalize() + " is not present");
        return PATH;
    }
}
