package io.github.tinyllama.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.DataType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.testing.Goldens;
import io.github.tinyllama.weights.LoraAdapters;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** PEFT itself loaded an adapter this project wrote: here the same adapter gives PEFT's outputs. */
class PeftReferenceTest {

    /** As for the base model's numerics (see {@code LlamaNetworkNumericsTest}): float32 against a float64 reference. */
    private static final double TOLERANCE = 1e-4;

    @BeforeAll
    static void fixtureDirectory(@org.junit.jupiter.api.io.TempDir Path dir) {
        LoraTest.dir = dir;
    }

    @ParameterizedTest(name = "merged={0}")
    @ValueSource(booleans = {false, true})
    void anAdapterWeWroteGivesWhatPeftComputesFromIt(boolean merged) throws IOException, URISyntaxException {
        Path adapter = Path.of(PeftReferenceTest.class.getResource("/lora/ours-odd/adapter_config.json").toURI())
                .getParent();
        JsonObject golden;
        try (InputStream in = PeftReferenceTest.class.getResourceAsStream("/goldens/peft_ours_odd.json")) {
            golden = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
        }
        try (LoadedModel m = LoraTest.load(false, DataType.FLOAT32)) {
            if (merged) {
                LoraAdapters.merge(m.block, adapter, m.model.getNDManager());
            } else {
                LoraAdapters.load(m.block, adapter, m.model.getNDManager());
            }
            long[] ids = Goldens.longs(golden, "ids");
            double[] nll = Goldens.doubles(golden, "nll");
            float[] logits = m.logits(ids, false);
            int vocab = logits.length / ids.length;
            for (int i = 0; i + 1 < ids.length; i++) {
                double lp = LoraAdaptersTest.logSoftmax(logits, i * vocab, vocab)[(int) ids[i + 1]];
                assertEquals(nll[i], -lp, TOLERANCE, "position " + i);
            }
            long[] prompt = Goldens.longs(golden, "prompt");
            float[] last = m.logits(prompt, false);
            double[] expected = Goldens.doubles(golden, "logits_last");
            for (int v = 0; v < vocab; v++) {
                assertEquals(expected[v], last[(prompt.length - 1) * vocab + v], TOLERANCE, "logit " + v);
            }
        }
    }
}
