/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Loading failures name what was looked for; these need no real model. */
class LoadErrorsTest {

    @TempDir
    Path dir;

    @Test
    void emptyDirectoryNamesDirectoryAndFiles() {
        IOException e = assertThrows(NoSuchFileException.class, () -> LlamaTokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer.json"), e.getMessage());
        assertTrue(e.getMessage().contains("tokenizer.model"), e.getMessage());
    }

    @Test
    void missingPathIsNamed() {
        Path missing = dir.resolve("nope");
        IOException e = assertThrows(NoSuchFileException.class, () -> LlamaTokenizer.load(missing));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void corruptModelInDirectoryIsReported() throws IOException {
        Path model = Files.write(dir.resolve("tokenizer.model"), new byte[] {0x0A, 0x7F});
        IOException e = assertThrows(IOException.class, () -> LlamaTokenizer.load(dir));
        assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"model\": [", "{\"model\": {\"vocab\": {\"a\": 0", "[1, 2]",
        "{\"model\": {\"type\": \"Nonsense\", \"vocab\": {\"a\": 0}}}"})
    void malformedJsonIsReported(String content) throws IOException {
        Path json = Files.writeString(dir.resolve("tokenizer.json"), content);
        IOException e = assertThrows(IOException.class, () -> LlamaTokenizer.load(json));
        assertTrue(e.getMessage().contains(json.toString()), e.getMessage());
    }
}
