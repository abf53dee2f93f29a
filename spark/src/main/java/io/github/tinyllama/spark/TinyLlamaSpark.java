package io.github.tinyllama.spark;

import io.github.tinyllama.cli.DeviceOption;
import io.github.tinyllama.generate.BatchGeneration;
import io.github.tinyllama.generate.GenerationResult;
import io.github.tinyllama.generate.TinyLlama;
import io.github.tinyllama.weights.ComputeType;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * TinyLlama over Spark {@code Dataset<Row>}s: every row scored or continued by the model that each executor
 * loads once ({@link ExecutorModels}), the input's columns carried through and the results added beside them.
 *
 * <pre>{@code
 * TinyLlamaSpark llm = TinyLlamaSpark.builder(ModelSpec.of("tinyllama-1.1b-chat-v1.0"))
 *         .optSampling(Sampling.greedy(64)).optBatchSize(8).build();
 * Dataset<Row> prompts = spark.read().parquet("prompts.parquet");   // a "prompt" column, and an "id"
 * llm.generate(prompts).select("id", "text", "finish_reason").write().parquet("out");
 * }</pre>
 *
 * <p>Each row has an index, its {@value #ROW} column: kept when the input has one (a {@code long}), else its
 * position in the input. A row's seed comes from the job's seed and that index ({@link Sampling#seedOf}), so
 * the output is the same however Spark partitions the rows.
 */
public final class TinyLlamaSpark {

    /** The column that holds a row's index in the input. */
    public static final String ROW = "row";

    private static final DataType IDS = DataTypes.createArrayType(DataTypes.LongType, false);

    private final ModelSpec model;
    private final Sampling sampling;
    private final int batchSize;
    private final int partitions;
    private final String source;

    private TinyLlamaSpark(Builder b) {
        this.model = b.model;
        this.sampling = b.sampling;
        this.batchSize = b.batchSize;
        this.partitions = b.partitions;
        this.source = b.source;
    }

    /** A builder for the model of {@code spec}. */
    public static Builder builder(ModelSpec spec) {
        return new Builder(spec);
    }

    /** The model the jobs run. */
    public ModelSpec model() {
        return model;
    }

    /**
     * Scores texts: per-token log-probabilities, as {@code tinyllama score --json} prints them.
     *
     * @param input a {@code text} column (BOS is added), any others carried through
     * @return the input's columns, {@value #ROW}, then {@code ids} (array of long), {@code logprobs} (array of
     *     double, the first null: nothing predicts the first token), {@code dtype} and {@code device}
     * @throws IllegalArgumentException if there is no string column {@code text}
     */
    public Dataset<Row> score(Dataset<Row> input) {
        Dataset<Row> indexed = withRowIndex(input);
        int text = stringColumn(indexed.schema(), "text");
        int row = indexed.schema().fieldIndex(ROW);
        StructType out = indexed.schema()
                .add("ids", IDS, false)
                .add("logprobs", DataTypes.createArrayType(DataTypes.DoubleType, true), false)
                .add("dtype", DataTypes.StringType, false)
                .add("device", DataTypes.StringType, false);
        ModelSpec spec = model;
        String name = source;
        JavaRDD<Row> scored = partitioned(indexed).javaRDD().mapPartitions(rows -> {
            List<Row> in = list(rows);
            if (in.isEmpty()) {
                return Collections.emptyIterator(); // an empty partition loads no model
            }
            return ExecutorModels.with(spec, llm -> scoreRows(llm, in, text, row, name)).iterator();
        });
        return indexed.sparkSession().createDataFrame(scored, out);
    }

    private static List<Row> scoreRows(TinyLlama llm, List<Row> rows, int text, int row, String source) {
        List<Row> out = new ArrayList<>(rows.size());
        String dtype = ComputeType.of(llm.languageModel().model().getDataType()).toString();
        String device = DeviceOption.name(llm.languageModel().model().getNDManager().getDevice());
        for (Row r : rows) {
            long index = r.getLong(row);
            if (r.isNullAt(text)) {
                throw new BadRowException(source, index, "'text' is null");
            }
            long[] ids = llm.tokenizer().encode(r.getString(text));
            if (ids.length > llm.config().maxPositions()) {
                throw new BadRowException(source, index, "the text has " + ids.length
                        + " tokens, more than the model's context of " + llm.config().maxPositions());
            }
            double[] logprobs = llm.score(ids);
            Double[] boxed = new Double[logprobs.length];
            for (int i = 0; i < logprobs.length; i++) {
                boxed[i] = Double.isFinite(logprobs[i]) ? logprobs[i] : null;
            }
            out.add(append(r, boxedIds(ids), boxed, dtype, device));
        }
        return out;
    }

    /**
     * Continues prompts, as {@code tinyllama generate --json} does, decoding up to the batch size of a
     * partition's prompts together.
     *
     * @param input a {@code prompt} column (text; BOS is added) or a {@code prompt_ids} column (array of long,
     *     used as given), any others carried through
     * @return the input's columns, {@value #ROW}, then the fields of {@code generate --json}: {@code prompt_ids},
     *     {@code ids}, {@code text}, {@code finish_reason}, {@code prompt_tokens}, {@code generated_tokens},
     *     {@code prefill_seconds}, {@code decode_seconds}, {@code decode_tokens_per_second},
     *     {@code drafted_tokens}, {@code accepted_tokens}, {@code dtype}, {@code device}
     * @throws IllegalArgumentException if there is neither column
     */
    public Dataset<Row> generate(Dataset<Row> input) {
        Dataset<Row> indexed = withRowIndex(input);
        StructType schema = indexed.schema();
        int prompt = Arrays.asList(schema.fieldNames()).contains("prompt") ? stringColumn(schema, "prompt") : -1;
        int promptIds = Arrays.asList(schema.fieldNames()).contains("prompt_ids") ? schema.fieldIndex("prompt_ids") : -1;
        if (prompt < 0 && promptIds < 0) {
            throw new IllegalArgumentException(source + ": no 'prompt' or 'prompt_ids' column; the columns are "
                    + String.join(", ", schema.fieldNames()));
        }
        int row = schema.fieldIndex(ROW);
        // An input column prompt_ids gives way to the output's, which holds every row's prompt ids.
        StructType out = without(schema, promptIds)
                .add("prompt_ids", IDS, false)
                .add("ids", IDS, false)
                .add("text", DataTypes.StringType, false)
                .add("finish_reason", DataTypes.StringType, false)
                .add("prompt_tokens", DataTypes.IntegerType, false)
                .add("generated_tokens", DataTypes.IntegerType, false)
                .add("prefill_seconds", DataTypes.DoubleType, false)
                .add("decode_seconds", DataTypes.DoubleType, false)
                .add("decode_tokens_per_second", DataTypes.DoubleType, false)
                .add("drafted_tokens", DataTypes.IntegerType, false)
                .add("accepted_tokens", DataTypes.IntegerType, false)
                .add("dtype", DataTypes.StringType, false)
                .add("device", DataTypes.StringType, false);
        ModelSpec spec = model;
        Sampling settings = sampling;
        int batch = batchSize;
        String name = source;
        JavaRDD<Row> generated = partitioned(indexed).javaRDD().mapPartitions(rows -> {
            List<Row> in = list(rows);
            if (in.isEmpty()) {
                return Collections.emptyIterator();
            }
            return ExecutorModels.with(spec, llm -> {
                List<BatchGeneration.Job> jobs = new ArrayList<>(in.size());
                for (Row r : in) {
                    jobs.add(job(llm, r, prompt, promptIds, row, settings, name));
                }
                List<GenerationResult> results = BatchGeneration.run(llm, jobs, batch, (i, result) -> {});
                String dtype = ComputeType.of(llm.languageModel().model().getDataType()).toString();
                String device = DeviceOption.name(llm.languageModel().model().getNDManager().getDevice());
                List<Row> done = new ArrayList<>(in.size());
                for (int i = 0; i < in.size(); i++) {
                    done.add(append(without(in.get(i), promptIds), generationFields(results.get(i), dtype, device)));
                }
                return done;
            }).iterator();
        });
        return indexed.sparkSession().createDataFrame(generated, out);
    }

    private static BatchGeneration.Job job(TinyLlama llm, Row r, int prompt, int promptIds, int row,
            Sampling sampling, String source) {
        long index = r.getLong(row);
        long[] ids;
        if (prompt >= 0 && !r.isNullAt(prompt)) {
            ids = llm.tokenizer().encode(r.getString(prompt));
        } else if (promptIds >= 0 && !r.isNullAt(promptIds)) {
            List<Object> given = r.getList(promptIds);
            ids = new long[given.size()];
            for (int i = 0; i < ids.length; i++) {
                if (!(given.get(i) instanceof Number n)) {
                    throw new BadRowException(source, index, "'prompt_ids' holds " + given.get(i) + ", not a token id");
                }
                ids[i] = n.longValue();
            }
        } else {
            throw new BadRowException(source, index, "no prompt: 'prompt' or 'prompt_ids' must be given");
        }
        int context = llm.config().maxPositions();
        if (ids.length == 0 || ids.length >= context && !sampling.settings().leftTruncate()) {
            throw new BadRowException(source, index, "the prompt has " + ids.length + " tokens; give 1 to "
                    + (context - 1) + " (the model's context less one), or use --left-truncate");
        }
        for (long id : ids) {
            if (id < 0 || id >= llm.config().vocabSize()) {
                throw new BadRowException(source, index, "token id " + id + " is outside the vocabulary of "
                        + llm.config().vocabSize());
            }
        }
        return new BatchGeneration.Job(ids, sampling.config(index), null);
    }

    private static Object[] generationFields(GenerationResult r, String dtype, String device) {
        return new Object[] {boxedIds(r.promptIds()), boxedIds(r.ids()), r.text(), r.finishReason().jsonName(),
            r.promptTokens(), r.generatedTokens(), r.prefillSeconds(), r.decodeSeconds(), r.decodeTokensPerSecond(),
            r.draftedTokens(), r.acceptedTokens(), dtype, device};
    }

    /** A schema without its field {@code index} ({@code -1}: all of it). */
    private static StructType without(StructType schema, int index) {
        StructType out = new StructType();
        for (int i = 0; i < schema.size(); i++) {
            if (i != index) {
                out = out.add(schema.fields()[i]);
            }
        }
        return out;
    }

    /** A row without its value {@code index} ({@code -1}: all of it). */
    private static Row without(Row r, int index) {
        if (index < 0) {
            return r;
        }
        Object[] values = new Object[r.size() - 1];
        for (int i = 0, j = 0; i < r.size(); i++) {
            if (i != index) {
                values[j++] = r.get(i);
            }
        }
        return RowFactory.create(values);
    }

    /** The input with its {@value #ROW} column: the input's own, or each row's position. */
    static Dataset<Row> withRowIndex(Dataset<Row> input) {
        StructType schema = input.schema();
        if (Arrays.asList(schema.fieldNames()).contains(ROW)) {
            if (!schema.apply(ROW).dataType().equals(DataTypes.LongType)) {
                throw new IllegalArgumentException("the '" + ROW + "' column must hold longs (row indexes), not "
                        + schema.apply(ROW).dataType().simpleString());
            }
            return input;
        }
        JavaRDD<Row> indexed = input.javaRDD().zipWithIndex().map(t -> append(t._1(), t._2()));
        return input.sparkSession().createDataFrame(indexed, schema.add(ROW, DataTypes.LongType, false));
    }

    private Dataset<Row> partitioned(Dataset<Row> indexed) {
        return partitions > 0 ? indexed.repartition(partitions) : indexed;
    }

    private int stringColumn(StructType schema, String name) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException(source + ": no '" + name + "' column; the columns are "
                    + String.join(", ", schema.fieldNames()));
        }
        if (!schema.apply(name).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException(source + ": the '" + name + "' column holds "
                    + schema.apply(name).dataType().simpleString() + ", not strings");
        }
        return schema.fieldIndex(name);
    }

    static Long[] boxedIds(long[] ids) {
        Long[] out = new Long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = ids[i];
        }
        return out;
    }

    /** A row with more values after its own. */
    static Row append(Row r, Object... more) {
        Object[] values = new Object[r.size() + more.length];
        for (int i = 0; i < r.size(); i++) {
            values[i] = r.get(i);
        }
        System.arraycopy(more, 0, values, r.size(), more.length);
        return RowFactory.create(values);
    }

    static List<Row> list(Iterator<Row> rows) {
        List<Row> all = new ArrayList<>();
        rows.forEachRemaining(all::add);
        return all;
    }

    /** Builds a {@link TinyLlamaSpark}. */
    public static final class Builder {
        private final ModelSpec model;
        private Sampling sampling = Sampling.greedy(128);
        private int batchSize = 8;
        private int partitions;
        private String source = "input";

        private Builder(ModelSpec model) {
            this.model = model;
        }

        /** Generation settings; default greedy, 128 new tokens. */
        public Builder optSampling(Sampling value) {
            sampling = value;
            return this;
        }

        /** The most prompts an executor decodes together; default 8. */
        public Builder optBatchSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("the batch size must be at least 1, not " + value);
            }
            batchSize = value;
            return this;
        }

        /** Repartitions the input into this many partitions first; 0 (the default) keeps its partitioning. */
        public Builder optPartitions(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("partitions must not be negative, not " + value);
            }
            partitions = value;
            return this;
        }

        /** The input's name in error messages, such as its file; default "input". */
        public Builder optSource(String value) {
            source = value;
            return this;
        }

        /** The configured jobs. */
        public TinyLlamaSpark build() {
            return new TinyLlamaSpark(this);
        }
    }
}
