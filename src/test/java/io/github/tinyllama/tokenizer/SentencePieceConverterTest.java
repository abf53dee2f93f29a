/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SentencePieceConverterTest {

    @TempDir
    Path dir;

    private Path writeModel(SyntheticModel model) throws IOException {
        return Files.write(dir.resolve("tokenizer.model"), model.toBytes());
    }

    @Test
    void writesTokenizerAndConfig() throws IOException {
        Path out = dir.resolve("out");
        SentencePieceConverter.convert(writeModel(SyntheticModel.tinyBpe()), out, 2048);
        assertEquals(List.of("tokenizer.json", "tokenizer_config.json"), list(out));

        JsonObject config = JsonParser.parseString(Files.readString(out.resolve("tokenizer_config.json")))
                .getAsJsonObject();
        assertTrue(config.get("add_bos_token").getAsBoolean());
        assertFalse(config.get("add_eos_token").getAsBoolean());
        assertEquals("<s>", config.get("bos_token").getAsString());
        assertEquals("</s>", config.get("eos_token").getAsString());
        assertEquals("<unk>", config.get("unk_token").getAsString());
        assertEquals(2048, config.get("model_max_length").getAsLong());

        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("tokenizer.json")))
                .getAsJsonObject();
        JsonObject model = json.getAsJsonObject("model");
        assertEquals("BPE", model.get("type").getAsString());
        assertTrue(model.get("byte_fallback").getAsBoolean());
        assertTrue(model.get("fuse_unk").getAsBoolean());
        assertEquals("<unk>", model.get("unk_token").getAsString());
        assertEquals(11, model.getAsJsonObject("vocab").size());
        assertEquals(3, json.getAsJsonArray("added_tokens").size());
        assertEquals("TemplateProcessing", json.getAsJsonObject("post_processor").get("type").getAsString());
    }

    /** Merges rank by the joined piece's score; splits of one piece rank by (left id, right id). */
    @Test
    void mergesFollowScoresThenIds() throws IOException {
        Path out = dir.resolve("out");
        SentencePieceConverter.convert(writeModel(SyntheticModel.tinyBpe()), out);
        JsonObject json = JsonParser.parseString(Files.readString(out.resolve("tokenizer.json")))
                .getAsJsonObject();
        List<String> merges = json.getAsJsonObject("model").getAsJsonArray("merges").asList().stream()
                .map(m -> m.getAsJsonArray().get(0).getAsString() + " " + m.getAsJsonArray().get(1).getAsString())
                .collect(Collectors.toList());
        // ab (-4): a+b; ▁a (-5): ▁+a; ▁ab (-6): ▁+ab (left id 5) before ▁a+b (left id 9).
        assertEquals(List.of("a b", "\u2581 a", "\u2581 ab", "\u2581a b"), merges);
    }

    @Test
    void convertedTinyModelEncodesAndDecodes() throws IOException {
        Path out = dir.resolve("out");
        SentencePieceConverter.convert(writeModel(SyntheticModel.tinyBpe()), out);
        try (LlamaTokenizer tokenizer = LlamaTokenizer.load(out)) {
            // "ab ab" -> ▁ab ▁ab; "\n" has no piece, so it falls back to byte <0x0A>.
            assertArrayEquals(new long[] {1, 10, 10}, tokenizer.encode("ab ab"));
            assertArrayEquals(new long[] {10, 3, 6}, tokenizer.encode("ab\na", false));
            assertEquals("ab\na", tokenizer.decode(new long[] {1, 10, 3, 6}));
            assertEquals(11, tokenizer.vocabSize());
        }
    }

    @Test
    void refusesUnigramModel() throws IOException {
        Path model = writeModel(SyntheticModel.tinyBpe().modelType(1));
        Path out = dir.resolve("out");
        IOException e = assertThrows(IOException.class, () -> SentencePieceConverter.convert(model, out));
        assertTrue(e.getMessage().contains("UNIGRAM"), e.getMessage());
        assertTrue(e.getMessage().contains("only BPE"), e.getMessage());
        assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
        assertFalse(Files.exists(out), "nothing may be written for a refused model");
    }

    @Test
    void corruptModelWritesNothing() throws IOException {
        byte[] bytes = SyntheticModel.tinyBpe().toBytes();
        Path model = Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(bytes, 40));
        Path out = Files.createDirectories(dir.resolve("out"));
        IOException e = assertThrows(IOException.class, () -> SentencePieceConverter.convert(model, out));
        assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
        assertEquals(List.of(), list(out));
    }

    /**
     * Running as root, permission bits do not stop writes, so the failure is provoked by a non-empty
     * directory where tokenizer.json should go: the rename onto it fails, and the temporary file must
     * be gone and the config not written.
     */
    @Test
    void failedWriteLeavesNoPartialFiles() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.createDirectories(out.resolve("tokenizer.json")).resolve("blocker").toFile().createNewFile();
        Path model = writeModel(SyntheticModel.tinyBpe());
        assertThrows(IOException.class, () -> SentencePieceConverter.convert(model, out));
        assertEquals(List.of("tokenizer.json"), list(out));
        assertTrue(Files.isDirectory(out.resolve("tokenizer.json")));
    }

    @Test
    void outputDirThatIsAFileFails() throws IOException {
        Path out = Files.writeString(dir.resolve("out"), "not a directory");
        Path model = writeModel(SyntheticModel.tinyBpe());
        assertThrows(IOException.class, () -> SentencePieceConverter.convert(model, out));
        assertEquals("not a directory", Files.readString(out));
    }

    @Test
    void replacesExistingFilesCompletely() throws IOException {
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("tokenizer.json"), "x".repeat(10_000_000));
        SentencePieceConverter.convert(writeModel(SyntheticModel.tinyBpe()), out);
        JsonParser.parseString(Files.readString(out.resolve("tokenizer.json")));
        assertEquals(List.of("tokenizer.json", "tokenizer_config.json"), list(out));
    }

    @Test
    void tokenizerJsonMatchesHfLlamaLayout() throws IOException {
        SentencePieceModel model = SentencePieceModel.parse(SyntheticModel.tinyBpe().toBytes(), "tiny");
        JsonObject json = JsonParser.parseString(SentencePieceConverter.toTokenizerJson(model, "tiny"))
                .getAsJsonObject();
        assertEquals("{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"Replace\",\"pattern\":{\"String\":\"\u2581\"},"
                + "\"content\":\" \"},{\"type\":\"ByteFallback\"},{\"type\":\"Fuse\"},"
                + "{\"type\":\"Strip\",\"content\":\" \",\"start\":1,\"stop\":0}]}",
                json.get("decoder").toString());
        assertEquals(Map.of("<unk>", 0, "<s>", 1, "</s>", 2),
                json.getAsJsonArray("added_tokens").asList().stream()
                        .map(t -> t.getAsJsonObject())
                        .peek(t -> assertTrue(t.get("special").getAsBoolean()))
                        .peek(t -> assertFalse(t.get("normalized").getAsBoolean()))
                        .collect(Collectors.toMap(t -> t.get("content").getAsString(), t -> t.get("id").getAsInt())));
        assertEquals("[{\"SpecialToken\":{\"id\":\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]",
                json.getAsJsonObject("post_processor").get("single").toString());
    }

    private static List<String> list(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
