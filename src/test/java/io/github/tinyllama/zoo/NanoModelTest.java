package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.testing.CliRun;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The bundled tinyllama-nano model (committed under {@code model-zoo/nano/}) loads by name and is
 * trained: its loss on ordinary English and Java text is far below that of an untrained model.
 */
class NanoModelTest {

    private static Path nano() throws IOException {
        return ModelLocator.locate("tinyllama-nano", HubClient.builder().optOffline(true).build(), null);
    }

    /**
     * An untrained model's loss is about ln(4096) ≈ 8.3 nats per token; 6.0 needs real learning (the
     * model's held-out losses are 4.4 for prose and 2.9 for Java), yet leaves room for short texts
     * unlike its training data.
     */
    @Test
    void itHasLearntEnglishAndJava() throws IOException {
        try (TinyLlama llm = TinyLlama.load(nano())) {
            assertEquals(4096, llm.config().vocabSize());
            for (String text : new String[] {
                "The cat sat on the mat, and the dog lay down beside the door of the house.",
                "public static void main(String[] args) {\n        System.out.println(\"Hello\");\n    }"}) {
                double[] lp = llm.score(llm.tokenizer().encode(text));
                double nll = 0;
                for (int i = 1; i < lp.length; i++) {
                    nll -= lp[i];
                }
                nll /= lp.length - 1;
                assertTrue(nll < 6.0, "mean loss " + nll + " on: " + text);
            }
        }
    }

    @Test
    void itIsTheDefaultModelOfTheCommandLine() throws IOException {
        CliRun r = CliRun.of("generate", "The meaning of the word", "--max-new-tokens", "8", "--json");
        assertEquals(0, r.status(), r.err());
        try (TinyLlama llm = TinyLlama.load(nano())) {
            GenerationResult g = llm.generate("The meaning of the word", GenerationConfig.greedy(8));
            assertEquals(g.text(), r.json().get("text").getAsString());
        }
    }
}
