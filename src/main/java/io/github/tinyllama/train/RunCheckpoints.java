package io.github.tinyllama.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.CheckpointFormatException;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.SafetensorsFile;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.TensorInfo;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.util.AtomicFiles;
import io.github.tinyllama.util.Directories;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The checkpoints of a run under its output directory: {@code step-00000100/} holding the weights
 * as a float32 Hugging Face model ({@code model.safetensors}, {@code config.json}, tokenizer files
 * when given), the optimizer's moments ({@code optimizer.safetensors}) and {@code state.json}
 * (step, tokens, data position).
 *
 * <p>Each checkpoint is written into a temporary directory and renamed into place, so a run killed
 * at any moment (even {@code kill -9} mid-write) leaves only complete checkpoints under their
 * final names; resuming takes the newest.
 */
final class RunCheckpoints {

    static final String STATE_FILE = "state.json";
    static final String OPTIMIZER_FILE = "optimizer.safetensors";
    private static final String PREFIX = "step-";

    private final Path outDir;
    private final LlamaConfig config;
    private final List<Path> sideFiles;

    /**
     * @param outDir the run's output directory
     * @param config the architecture (written as {@code config.json})
     * @param sideFiles files copied into every checkpoint (tokenizer files), so each is a runnable model
     */
    RunCheckpoints(Path outDir, LlamaConfig config, List<Path> sideFiles) {
        this.outDir = outDir;
        this.config = config;
        this.sideFiles = sideFiles;
    }

    /** The saved state of a run. */
    record State(int step, long tokens, String dataPosition) {}

    /** Writes the trained weights of a checkpoint into its directory. */
    @FunctionalInterface
    interface WeightsWriter {
        void write(Path dir) throws IOException;
    }

    /** Writes a checkpoint of the current weights and optimizer state; returns its directory. */
    Path save(Map<String, Parameter> parameters, AdamW optimizer, State state) throws IOException {
        return save(dir -> writeModel(dir, parameters), optimizer, state);
    }

    /** Writes a checkpoint whose weights {@code weights} writes (an adapter, say); returns its directory. */
    Path save(WeightsWriter weights, AdamW optimizer, State state) throws IOException {
        Path target = outDir.resolve(String.format("%s%08d", PREFIX, state.step()));
        Path tmp = outDir.resolve("." + target.getFileName() + ".tmp");
        deleteRecursively(tmp);
        Files.createDirectories(tmp);
        try {
            weights.write(tmp);
            List<TensorSource> moments = new ArrayList<>();
            optimizer.firstMoments().forEach((name, m) -> moments.add(source(name + ".exp_avg", m)));
            optimizer.secondMoments().forEach((name, v) -> moments.add(source(name + ".exp_avg_sq", v)));
            SafetensorsWriter.write(tmp.resolve(OPTIMIZER_FILE), Map.of(), moments);
            JsonObject json = new JsonObject();
            json.addProperty("step", state.step());
            json.addProperty("tokens", state.tokens());
            json.addProperty("data_position", state.dataPosition());
            AtomicFiles.writeString(tmp.resolve(STATE_FILE), json + "\n");
            deleteRecursively(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteRecursively(tmp);
            // A full disk says only "No space left on device" or "File too large": name what was lost.
            throw new IOException("could not write the checkpoint " + target + " (" + e.getMessage() + "); nothing of"
                    + " it was kept, earlier checkpoints are untouched", e);
        } catch (RuntimeException e) {
            deleteRecursively(tmp);
            throw e;
        }
        return target;
    }

    /** Writes the weights as a Hugging Face model directory (float32 safetensors, config, side files). */
    void writeModel(Path dir, Map<String, Parameter> parameters) throws IOException {
        List<TensorSource> tensors = new ArrayList<>();
        parameters.forEach((name, p) -> tensors.add(source(name, p.getArray())));
        SafetensorsWriter.write(dir.resolve(Checkpoint.SINGLE_FILE), Map.of("format", "pt"), tensors);
        AtomicFiles.writeString(dir.resolve(LlamaConfig.FILE_NAME), config.toJson(DType.F32.torchName()));
        writeSideFiles(dir);
    }

    /** Copies the side files (tokenizer files) into {@code dir}. */
    void writeSideFiles(Path dir) throws IOException {
        for (Path file : sideFiles) {
            AtomicFiles.copy(file, dir.resolve(file.getFileName()));
        }
    }

    /** The newest complete checkpoint, if any. */
    Optional<Path> latest() throws IOException {
        if (!Files.isDirectory(outDir)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(outDir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith(PREFIX))
                    .filter(p -> Files.isRegularFile(p.resolve(STATE_FILE)))
                    .max(Path::compareTo);
        }
    }

    /** Reads a checkpoint's state. */
    static State state(Path checkpoint) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(checkpoint.resolve(STATE_FILE))).getAsJsonObject();
        return new State(json.get("step").getAsInt(), json.get("tokens").getAsLong(),
                json.get("data_position").getAsString());
    }

    /**
     * Refuses to resume from a checkpoint past the end of the run's schedule: it belongs to a longer
     * run, and continuing would report the longer run's weights as this one's result.
     */
    static void checkFits(Path checkpoint, State state, int totalSteps) {
        if (state.step() > totalSteps) {
            throw new IllegalStateException(checkpoint + " is at step " + state.step() + " but this run has "
                    + totalSteps + " steps; resume with the schedule it was written with, or start afresh with"
                    + " --overwrite");
        }
    }

    /** Reads a checkpoint's optimizer moments into arrays owned by {@code manager}. */
    static void restoreOptimizer(Path checkpoint, AdamW optimizer, Iterable<String> names, int step,
            NDManager manager) throws IOException {
        Map<String, NDArray> first = new LinkedHashMap<>();
        Map<String, NDArray> second = new LinkedHashMap<>();
        try (SafetensorsFile moments = SafetensorsFile.open(checkpoint.resolve(OPTIMIZER_FILE))) {
            for (String name : names) {
                first.put(name, read(moments, name + ".exp_avg", manager));
                second.put(name, read(moments, name + ".exp_avg_sq", manager));
            }
        }
        optimizer.restore(step, first, second);
    }

    private static NDArray read(SafetensorsFile file, String name, NDManager manager) throws IOException {
        TensorInfo info = file.tensors().get(name);
        if (info == null) {
            throw new CheckpointFormatException(file.path() + ": optimizer state for '" + name + "' is missing");
        }
        ByteBuffer values = ByteBuffer.allocateDirect(Math.toIntExact(info.numel() * Float.BYTES))
                .order(ByteOrder.nativeOrder());
        file.readInto(name, DType.F32, values);
        NDArray array = manager.create(values, new Shape(info.shape()), DataType.FLOAT32);
        NDScope.unregister(array);
        return array;
    }

    private static TensorSource source(String name, NDArray array) {
        return new TensorSource(name, DType.F32, array.getShape().getShape(),
                () -> array.toType(DataType.FLOAT32, false).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    private static void deleteRecursively(Path path) throws IOException {
        Directories.deleteRecursively(path);
    }
}
