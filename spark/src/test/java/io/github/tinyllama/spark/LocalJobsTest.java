package io.github.tinyllama.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;

import io.github.tinyllama.eval.Evaluator;
import io.github.tinyllama.generate.GenerationConfig;
import io.github.tinyllama.generate.TinyLlama;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The jobs on {@code local[2]}: the same results as one machine whatever the partitioning, and bad input. */
class LocalJobsTest {

    @TempDir
    static Path dir;

    private static SparkSession spark;
    private static TinyLlama nano;

    @BeforeAll
    static void start() throws IOException {
        spark = Sessions.builder("local[2]", "LocalJobsTest").config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "4").getOrCreate();
        nano = TinyLlama.load(Jobs.NANO);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        if (nano != null) {
            nano.close();
        }
    }

    @Test
    void evalEqualsOneMachineWhateverThePartitioning() throws IOException {
        Evaluator.Results single = Jobs.oneMachineEval(nano);
        for (int partitions : new int[] {1, 5}) {
            String name = "eval-" + partitions;
            assertEquals(0, Jobs.run(Jobs.evalArgs(dir, name, partitions)).status());
            Jobs.assertSameAsOneMachine(single, dir.resolve(name + ".json"), dir.resolve(name + ".jsonl"));
        }
    }

    @Test
    void generationIsTheSameWhateverThePartitioningAndEachRowIsItsOwnSeed() throws IOException {
        Path prompts = Jobs.prompts(dir, 7);
        String[] sampling = {"--temperature", "0.9", "--top-k", "40", "--seed", "7", "--max-new-tokens", "6"};
        for (String partitions : new String[] {"1", "3"}) {
            Path out = dir.resolve("generated-" + partitions + ".jsonl");
            String[] args = Stream.concat(Stream.of("generate", "--model", Jobs.NANO.toString(), "--input",
                    prompts.toString(), "--output", out.toString(), "--partitions", partitions, "--batch-size", "2"),
                    Stream.of(sampling)).toArray(String[]::new);
            assertEquals(0, Jobs.run(args).status());
        }
        List<JsonObject> one = Jobs.rows(dir.resolve("generated-1.jsonl"));
        assertEquals(one, Jobs.rows(dir.resolve("generated-3.jsonl")));
        Jobs.assertGeneratedAlone(nano, new Sampling(GenerationConfig.builder().optMaxNewTokens(6).optTemperature(0.9).optTopK(40).optSeed(7).build()), one, 7);
        assertTrue(one.stream().map(o -> o.get("text").getAsString()).distinct().count() > 3,
                "rows with the same prompt sample differently: " + one);
    }

    @Test
    void scoresParquetRowsAsScoreDoesAndCarriesTheirColumns() throws IOException {
        StructType schema = new StructType().add("key", DataTypes.IntegerType).add("text", DataTypes.StringType);
        List<String> texts = List.of("public static void main", "int x = 0;", "return;");
        Dataset<Row> input = spark.createDataFrame(List.of(RowFactory.create(10, texts.get(0)),
                RowFactory.create(11, texts.get(1)), RowFactory.create(12, texts.get(2))), schema);
        Path parquet = dir.resolve("texts.parquet");
        input.coalesce(1).write().parquet(parquet.toString());
        Path out = dir.resolve("scores");
        assertEquals(0, Jobs.run("score", "--model", Jobs.NANO.toString(), "--input", parquet.toString(), "--output",
                out.toString(), "--partitions", "2").status());
        assertTrue(Files.isRegularFile(out.resolve("_SUCCESS")));
        List<Row> rows = spark.read().parquet(out.toString()).orderBy(TinyLlamaSpark.ROW).collectAsList();
        assertEquals(3, rows.size());
        for (int i = 0; i < 3; i++) {
            Row r = rows.get(i);
            assertEquals(10 + i, r.<Integer>getAs("key"));
            assertEquals(i, r.<Long>getAs(TinyLlamaSpark.ROW));
            long[] ids = nano.tokenizer().encode(texts.get(i));
            double[] want = nano.score(ids);
            List<Long> gotIds = r.getList(r.fieldIndex("ids"));
            assertArrayEquals(ids, gotIds.stream().mapToLong(Long::longValue).toArray());
            List<Double> got = r.getList(r.fieldIndex("logprobs"));
            assertNull(got.get(0), "nothing predicts the first token");
            for (int t = 1; t < ids.length; t++) {
                // The same forward pass on the same model: equal but for the order of float sums.
                assertEquals(want[t], got.get(t), 1e-6, "token " + t);
            }
            assertEquals("cpu", r.<String>getAs("device"));
        }
    }

    @Test
    void theJavaApiTakesAndReturnsDatasets() {
        StructType schema = new StructType().add("prompt", DataTypes.StringType);
        Dataset<Row> prompts = spark.createDataFrame(List.of(RowFactory.create("public static void"),
                RowFactory.create("int x =")), schema);
        TinyLlamaSpark llm = TinyLlamaSpark.builder(ModelSpec.of(Jobs.NANO.toString()))
                .optSampling(Sampling.greedy(5)).optPartitions(2).build();
        List<Row> rows = llm.generate(prompts).orderBy(TinyLlamaSpark.ROW).collectAsList();
        assertEquals(2, rows.size());
        for (Row r : rows) {
            String prompt = r.getAs("prompt");
            assertEquals(nano.generate(prompt, Sampling.greedy(5).config(0)).text(), r.<String>getAs("text"));
        }
        ExecutorModels.closeAll();
    }

    @Test
    void aMalformedLineNamesFileAndLineAndLeavesNoOutput() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.jsonl"),
                "{\"prompt\":\"int x =\"}\n{\"prompt\":\"return\"}\n{\"prompt\": 5}\n{\"prompt\":\"if\"}\n");
        Path out = dir.resolve("bad-out");
        Jobs.Run run = Jobs.run("generate", "--model", Jobs.NANO.toString(), "--input", bad.toString(), "--output",
                out.toString(), "--partitions", "2", "--max-new-tokens", "2");
        assertEquals(1, run.status());
        assertTrue(run.err().contains("error: " + bad + ":3: 'prompt' must be a string, not 5"), run.err());
        assertEquals(1, run.err().lines().filter(l -> l.contains("error:")).count(), "one line: " + run.err());
        assertFalse(Files.exists(out), "no output directory");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".bad-out")).toList(),
                    "no temporary directory left");
        }
        Path notJson = Files.writeString(dir.resolve("broken.jsonl"), "{\"text\":\"a\"}\n{\"text\":\n");
        Jobs.Run broken = Jobs.run("score", "--model", Jobs.NANO.toString(), "--input", notJson.toString(),
                "--output", dir.resolve("broken-out").toString());
        assertEquals(1, broken.status());
        assertTrue(broken.err().contains(notJson + ":2: "), broken.err());
        assertEquals(2, Jobs.run("generate", "--input", bad.toString()).status(), "no --output: a usage error");
        Jobs.Run badType = Jobs.run("score", "--dtype", "float64", "--input", notJson.toString(), "--output",
                dir.resolve("typed-out").toString());
        assertEquals(2, badType.status(), "an unknown compute type: a usage error");
        assertTrue(badType.err().contains("'float64' is not a compute type"), badType.err());
        assertEquals(2, Jobs.run("score", "--device", "tpu", "--input", notJson.toString(), "--output",
                dir.resolve("device-out").toString()).status(), "an unknown device: a usage error");
    }
}
