package io.github.tinyllama.weights;

import ai.djl.ndarray.types.Shape;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.Conversions;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.config.GenerationDefaults;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.Capacity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Writes a Hugging Face model directory with random weights of any shape: {@code config.json},
 * {@code generation_config.json} and {@code model.safetensors}, for tests and benchmarks.
 *
 * <p>Weights are Gaussian with a standard deviation of {@code 1/sqrt(fan_in)} (untied embeddings 1
 * for narrow models, 0.02 for wide ones; norm weights {@code 1 + 0.1·N(0,1)}), so activations keep a
 * sensible scale through many layers and logits are neither flat nor saturated. The same seed
 * gives the same bytes, whatever the number of threads.
 */
public final class RandomCheckpoint {

    private static final int CHUNK = 1 << 20;

    private RandomCheckpoint() {}

    /**
     * Writes the checkpoint.
     *
     * @param outDir the directory to create or fill
     * @param config the architecture
     * @param dtype the stored type of every tensor
     * @param seed the random seed
     * @throws IOException if writing fails; no partial file is left under a final name
     */
    public static void write(Path outDir, LlamaConfig config, DType dtype, long seed) throws IOException {
        checkSize(outDir, config, dtype);
        Files.createDirectories(outDir);
        LlamaNetwork model = new LlamaNetwork(config);
        List<TensorSource> tensors = new ArrayList<>();
        int index = 0;
        for (Map.Entry<String, Shape> e : model.shapesByName().entrySet()) {
            long tensorSeed = seed * 1_000_003L + index++;
            String name = e.getKey();
            Shape shape = e.getValue();
            tensors.add(new TensorSource(name, dtype, shape.getShape(),
                    () -> Conversions.convert(randomValues(name, shape, config, tensorSeed), DType.F32, dtype)));
        }
        SafetensorsWriter.write(outDir.resolve(Checkpoint.SINGLE_FILE), Map.of("format", "pt"), tensors);
        AtomicFiles.writeString(outDir.resolve(LlamaConfig.FILE_NAME), config.toJson(dtype.torchName()));
        AtomicFiles.writeString(outDir.resolve(GenerationDefaults.FILE_NAME), "{\n  \"bos_token_id\": "
                + config.bosTokenId() + ",\n  \"eos_token_id\": " + config.eosTokenIds().get(0) + "\n}\n");
    }

    /**
     * Refuses, before anything is written, a checkpoint the disk cannot hold or a tensor too large to generate
     * (each is made in one float32 buffer of at most 2 GiB).
     *
     * @throws IOException naming the folder, the size needed and the space free
     */
    public static void checkSize(Path outDir, LlamaConfig config, DType dtype) throws IOException {
        long widest = Math.max((long) config.vocabSize(), config.intermediateSize()) * config.hiddenSize();
        if (widest > (Integer.MAX_VALUE - 8) / Float.BYTES) {
            throw new IOException(outDir + ": a tensor of " + widest + " weights (vocab_size or intermediate_size "
                    + "times hidden_size) is larger than a random checkpoint can hold (" + (Integer.MAX_VALUE - 8)
                    / Float.BYTES + ")");
        }
        long count = config.parameterCount();
        long bytes = count > Long.MAX_VALUE / dtype.byteSize() ? -1 : count * dtype.byteSize();
        Capacity.requireDiskSpace(outDir, bytes, "a random checkpoint of " + String.format(Locale.ROOT, "%,d", count)
                + " weights as " + dtype.name().toLowerCase(Locale.ROOT));
    }

    private static ByteBuffer randomValues(String name, Shape shape, LlamaConfig config, long seed) {
        long count = shape.size();
        ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(count * Float.BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer values = bytes.asFloatBuffer();
        boolean norm = shape.dimension() == 1;
        double std = norm ? 0.1 : standardDeviation(name, shape, config);
        int chunks = (int) ((count + CHUNK - 1) / CHUNK);
        IntStream.range(0, chunks).parallel().forEach(c -> {
            SplittableRandom random = new SplittableRandom(seed * 65_537L + c);
            int end = (int) Math.min(count, (long) (c + 1) * CHUNK);
            for (int i = c * CHUNK; i < end; i++) {
                double g = random.nextGaussian();
                values.put(i, (float) (norm ? 1 + std * g : std * g));
            }
        });
        return bytes;
    }

    private static double standardDeviation(String name, Shape shape, LlamaConfig config) {
        if (name.endsWith("embed_tokens.weight") && !config.tieWordEmbeddings()) {
            return config.hiddenSize() <= 256 ? 1.0 : 0.02;
        }
        return 1 / Math.sqrt(shape.get(1));
    }


}
