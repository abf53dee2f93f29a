package io.github.tinyllama.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;

import io.github.tinyllama.testing.CliRun;
import io.github.tinyllama.testing.TinyModels;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/** {@code --engine script|blocks} and {@code --dtype int8} on the commands that decode. */
class EngineOptionTest {

    @TempDir
    static Path dir;

    private static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = TinyModels.withTokenizer(dir.resolve("m"), 7);
    }

    private static JsonObject generate(String... extra) {
        String[] base = {"generate", "--model", model.toString(), "--prompt-ids", "1,450,4996,17354",
            "--max-new-tokens", "8", "--json"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CliRun r = CliRun.of(args);
        assertEquals(0, r.status(), r.err());
        return r.json();
    }

    @Test
    void bothEnginesGenerateTheSameGreedyTokensInFloat32() {
        JsonObject script = generate("--dtype", "float32");
        JsonObject blocks = generate("--dtype", "float32", "--engine", "blocks");
        assertEquals("script", script.get("engine").getAsString());
        assertEquals("blocks", blocks.get("engine").getAsString());
        assertEquals(blocks.get("ids"), script.get("ids"));
    }

    @Test
    void int8DecodesThroughTheScriptAndSaysSo() {
        JsonObject int8 = generate("--dtype", "int8");
        assertEquals("int8", int8.get("dtype").getAsString());
        assertEquals("script", int8.get("engine").getAsString());
        CliRun bench = CliRun.of("bench", "--model", model.toString(), "--dtype", "int8", "--prompt-tokens", "4",
                "--new-tokens", "2", "--json");
        assertEquals(0, bench.status(), bench.err());
        assertEquals("int8", bench.json().get("dtype").getAsString());
        assertEquals("script", bench.json().get("engine").getAsString());
    }

    @Test
    void int8OnTheBlocksAndAMisspeltEngineFailInOneLine() {
        CliRun blocks = CliRun.of("generate", "--model", model.toString(), "--prompt-ids", "1,450", "--dtype", "int8",
                "--engine", "blocks");
        assertEquals(1, blocks.status(), blocks.err());
        // One line of ours; the engine's own start-up log lines may precede it when this test runs first.
        assertEquals(1, blocks.err().strip().lines().filter(l -> !l.startsWith("[main]")).count(), blocks.err());
        assertTrue(blocks.err().contains("int8 weights decode only through the script engine"), blocks.err());
        CliRun misspelt = CliRun.of("generate", "--model", model.toString(), "--prompt-ids", "1,450", "--engine",
                "jit");
        assertEquals(2, misspelt.status(), misspelt.err());
        assertTrue(misspelt.err().contains("'jit' is not a decode engine: use script or blocks"), misspelt.err());
    }
}
