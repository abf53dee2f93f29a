package io.github.tinyllama.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.types.DataType;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;

import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TextStream;
import io.github.tinyllama.generate.Speculation;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.testing.TinyModels;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** DJL's generic loading path (Criteria with a local directory) builds our block and translators. */
class LocalCriteriaTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void writeModel() throws Exception {
        TinyModels.withTokenizer(dir, 9);
    }

    private static Criteria<String, String> localCriteria() {
        return localCriteria(Map.of());
    }

    private static Criteria<String, String> localCriteria(Map<String, Object> extra) {
        Criteria.Builder<String, String> builder = Criteria.builder()
                .setTypes(String.class, String.class)
                .optModelPath(dir)
                .optEngine("PyTorch")
                .optArgument("blockFactory", TinyLlamaBlockFactory.class.getName())
                .optTranslatorFactory(new TinyLlamaTranslatorFactory())
                .optOption("hasParameter", "false")
                .optArgument("maxNewTokens", 6);
        extra.forEach(builder::optArgument);
        return builder.build();
    }

    /** Six greedy tokens after "Hello" from the Java API. */
    private static String greedyHello() throws java.io.IOException {
        try (TinyLlama llm = TinyLlama.load(dir)) {
            return llm.generate("Hello", GenerationConfig.greedy(6)).text();
        }
    }

    /** optDevice is where the zoo puts the weights; on the CPU (the only device here) the output is the Java API's. */
    @Test
    void optDeviceIsWhereTheWeightsLive() throws Exception {
        Criteria<String, String> onCpu = localCriteria().toBuilder().optDevice(Device.cpu()).build();
        try (ZooModel<String, String> model = onCpu.loadModel(); Predictor<String, String> p = model.newPredictor()) {
            assertEquals(Device.cpu(), model.getNDManager().getDevice());
            ((LlamaNetwork) model.getBlock()).parametersByName().forEach((name, parameter) ->
                    assertEquals(Device.cpu(), parameter.getArray().getDevice(), name));
            assertEquals(greedyHello(), p.predict("Hello"));
        }
    }

    /** optDevice reaches the block: a GPU the engine lacks is named as such instead of failing inside libtorch. */
    @Test
    void optDeviceNamingAMissingGpuFailsClearly() {
        int gpus = ai.djl.engine.Engine.getInstance().getGpuCount();
        Criteria<String, String> missing = localCriteria().toBuilder().optDevice(Device.gpu(gpus)).build();
        Exception e = assertThrows(Exception.class, missing::loadModel);
        Throwable cause = e;
        while (!(cause instanceof IllegalArgumentException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("the engine sees " + gpus + " GPU"), String.valueOf(e));
    }

    /** batchPredict decodes its inputs together; each answer is the one the Java API gives alone. */
    @Test
    void batchPredictEqualsTheJavaApiPerPrompt() throws Exception {
        List<String> prompts = List.of("Hello", "The capital of France is", "Once", "1, 2, 3,");
        List<String> expected = new java.util.ArrayList<>();
        try (TinyLlama llm = TinyLlama.load(dir)) {
            for (String p : prompts) {
                expected.add(llm.generate(p, GenerationConfig.greedy(6)).text());
            }
        }
        try (ZooModel<String, String> model = localCriteria().loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            assertEquals(expected, predictor.batchPredict(prompts));
        }
    }

    @Test
    void stringToStringEqualsTheJavaApi() throws Exception {
        Criteria<String, String> criteria = localCriteria();
        String expected = greedyHello();
        try (ZooModel<String, String> model = criteria.loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            assertEquals(expected, predictor.predict("Hello"));
        }
    }

    @Test
    void speculationFromCriteriaArgumentsKeepsTheOutput() throws Exception {
        String expected = greedyHello();
        Criteria<String, String> criteria = localCriteria(
                Map.of("speculate", "ngram", "speculateNgram", "1", "speculateTokens", 4));
        try (ZooModel<String, String> model = criteria.loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            assertEquals(expected, predictor.predict("Hello"));
        }
        Map<String, Object> bad = Map.of("speculate", "medusa");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenerationArguments.read(bad, GenerationDefaults.load(dir)));
        assertTrue(e.getMessage().contains("speculate"), e.getMessage());
        assertEquals(new Speculation(2, 5), GenerationArguments.read(
                Map.of("speculate", "ngram", "speculateNgram", "2", "speculateTokens", "5"),
                GenerationDefaults.load(dir)).speculation());
    }

    /** Streaming and chat need the text-level API; it reuses the zoo model's weights and leaves the model open. */
    @Test
    void theTextApiWrapsALoadedZooModel() throws Exception {
        Criteria<String, String> criteria = localCriteria();
        String expected = greedyHello();
        try (ZooModel<String, String> model = criteria.loadModel()) {
            try (TinyLlama llm = TinyLlama.of(model)) {
                assertSame(model.getBlock(), llm.languageModel().network());
                StringBuilder streamed = new StringBuilder();
                try (TextStream stream = llm.stream("Hello", GenerationConfig.greedy(6))) {
                    stream.forEachRemaining(streamed::append);
                }
                assertEquals(expected, streamed.toString());
            }
            try (Predictor<String, String> predictor = model.newPredictor()) {
                assertEquals(expected, predictor.predict("Hello"), "the model stays usable after the view is closed");
            }
        }
    }

    @Test
    void requestsOverrideSettingsAndStream() throws Exception {
        Criteria<GenerationRequest, GenerationResult> criteria = Criteria.builder()
                .setTypes(GenerationRequest.class, GenerationResult.class)
                .optModelUrls(dir.toUri() + "?blockFactory=" + TinyLlamaBlockFactory.class.getName()
                        + "&translatorFactory=" + TinyLlamaTranslatorFactory.class.getName() + "&dtype=float16")
                .optEngine("PyTorch")
                .optOption("hasParameter", "false")
                .build();
        try (ZooModel<GenerationRequest, GenerationResult> model = criteria.loadModel();
                Predictor<GenerationRequest, GenerationResult> predictor = model.newPredictor()) {
            StringBuilder streamed = new StringBuilder();
            GenerationResult r = predictor.predict(new GenerationRequest("Hi", GenerationConfig.greedy(4), streamed::append));
            assertEquals(4, r.generatedTokens());
            assertEquals(r.text(), streamed.toString());
            assertEquals(DataType.FLOAT16, model.getNDManager().getManagedArrays().stream()
                    .filter(a -> a.getShape().dimension() == 2 && a.getShape().get(0) == 32000).findFirst()
                    .orElseThrow().getDataType());
        }
    }
}
