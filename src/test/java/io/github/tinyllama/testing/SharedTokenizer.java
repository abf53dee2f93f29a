package io.github.tinyllama.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.tinyllama.tokenizer.LlamaTokenizer;
import io.github.tinyllama.tokenizer.SentencePieceConverter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real Llama-2/TinyLlama SentencePiece model, kept outside the repository in {@code ../shared/llama2/}. */
public final class SharedTokenizer {

    /** Where the file is expected, relative to the repository root (Maven's working directory). */
    public static final Path PATH = Path.of("..", "shared", "llama2", "tokenizer.model");

    private SharedTokenizer() {}

    private static Path convertedDir;
    private static LlamaTokenizer tokenizer;

    /** Returns the path, or skips the calling test with a message when the file is absent. */
    public static Path require() {
        assumeTrue(Files.isRegularFile(PATH),
                "skipped: the Llama-2 tokenizer " + PATH.toAbsolutePath().normalize() + " is not present");
        return PATH;
    }

    /**
     * A directory holding the model converted to {@code tokenizer.json} and {@code tokenizer_config.json},
     * made once per test run (conversion takes a second or two); skips the caller when the model is absent.
     */
    public static synchronized Path convertedDir() throws IOException {
        Path model = require();
        if (convertedDir == null) {
            Path dir = Files.createTempDirectory("llama2-tokenizer");
            SentencePieceConverter.convert(model, dir);
            for (String name : new String[] {SentencePieceConverter.TOKENIZER_JSON,
                SentencePieceConverter.TOKENIZER_CONFIG_JSON}) {
                dir.resolve(name).toFile().deleteOnExit();
            }
            dir.toFile().deleteOnExit();
            convertedDir = dir;
        }
        return convertedDir;
    }

    /** One tokenizer over {@link #convertedDir()}, shared by all tests and freed when the JVM exits. */
    public static synchronized LlamaTokenizer tokenizer() throws IOException {
        if (tokenizer == null) {
            tokenizer = LlamaTokenizer.load(convertedDir());
        }
        return tokenizer;
    }
}
