package io.github.tinyllama.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.types.DataType;

import io.github.tinyllama.generate.LanguageModel;
import io.github.tinyllama.testing.Fixtures;
import io.github.tinyllama.testing.Goldens;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Sliding-window perplexity against transformers' {@code LlamaForCausalLM} in float64 on the sharded GQA fixture
 * ({@code goldens/perplexity_mkckpt_odd.json}; see the goldens README), a second reference beside the numpy one.
 */
class PerplexityTransformersTest {

    /** Per-token log-probabilities match a float64 reference to 1e-4 (LanguageModelTest); so does their mean. */
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "batch {0}")
    @ValueSource(ints = {1, 3})
    void slidingWindowsGiveTransformersNumbers(int batchSize, @TempDir Path dir) throws IOException {
        JsonObject golden;
        try (InputStream in = getClass().getResourceAsStream("/goldens/perplexity_mkckpt_odd.json")) {
            golden = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
        long[] ids = Goldens.longs(golden, "ids");
        int checked = 0;
        try (LanguageModel model = LanguageModel.load(Fixtures.MKCKPT_GQA2_SHARDED.write(dir), DataType.FLOAT32,
                null, bytes -> {})) {
            for (JsonElement e : golden.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                int window = c.get("window").getAsInt();
                int stride = c.get("stride").getAsInt();
                if (stride >= window) {
                    continue; // refused by Perplexity: a window's first new token would have no context
                }
                Perplexity.Result r = Perplexity.builder().optWindow(window).optStride(stride).optBatchSize(batchSize)
                        .build().evaluate(model, ids, ids.length);
                String name = "window " + window + ", stride " + stride;
                assertEquals(c.get("tokens").getAsLong(), r.tokens(), name);
                assertEquals(c.get("nll").getAsDouble(), r.nll(), TOLERANCE, name);
                checked++;
            }
        }
        assertEquals(6, checked, "cases with stride < window in the golden file");
    }
}
