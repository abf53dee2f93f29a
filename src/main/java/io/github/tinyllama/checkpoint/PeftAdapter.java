package io.github.tinyllama.checkpoint;

import io.github.tinyllama.util.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PEFT LoRA adapter directory: {@code adapter_config.json} and {@code adapter_model.safetensors}
 * (or the older {@code adapter_model.bin}).
 *
 * <p>PEFT stores each tensor under the wrapped model's path without the adapter's name:
 * {@code base_model.model.} + the module's Hugging Face path + {@code .lora_A.weight} or
 * {@code .lora_B.weight}. This class speaks in module names, the part after that prefix
 * ({@code model.layers.0.self_attn.q_proj.lora_A.weight}), and adds or removes the prefix itself.
 */
public final class PeftAdapter implements AutoCloseable {

    /** The weights as PEFT saves them by default. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The weights as PEFT saved them before safetensors became its default. */
    public static final String TORCH_WEIGHTS_FILE = "adapter_model.bin";
    /** What PEFT's {@code PeftModelForCausalLM} puts before the model's own module paths. */
    public static final String KEY_PREFIX = "base_model.model.";

    private final Path directory;
    private final PeftLoraConfig config;
    private final TensorFile weights;
    private final Map<String, TensorInfo> tensors;

    private PeftAdapter(Path directory, PeftLoraConfig config, TensorFile weights, Map<String, TensorInfo> tensors) {
        this.directory = directory;
        this.config = config;
        this.weights = weights;
        this.tensors = tensors;
    }

    /**
     * Opens an adapter directory and checks its configuration.
     *
     * @param dir the directory
     * @return the open adapter; close it to release the weights file
     * @throws CheckpointFormatException naming the file and field or tensor when the configuration is
     *     unsupported, the weights file is missing or malformed, or a tensor is not under PEFT's prefix
     * @throws IOException if a file cannot be read
     */
    public static PeftAdapter open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointFormatException(dir + ": not a directory (expected a PEFT adapter directory with "
                    + PeftLoraConfig.FILE_NAME + " and " + WEIGHTS_FILE + ")");
        }
        PeftLoraConfig config = PeftLoraConfig.read(dir.resolve(PeftLoraConfig.FILE_NAME));
        Path safetensors = dir.resolve(WEIGHTS_FILE);
        Path torch = dir.resolve(TORCH_WEIGHTS_FILE);
        TensorFile weights;
        if (Files.isRegularFile(safetensors)) {
            weights = SafetensorsFile.open(safetensors);
        } else if (Files.isRegularFile(torch)) {
            weights = TorchFile.open(torch);
        } else {
            throw new CheckpointFormatException(dir + ": no " + WEIGHTS_FILE + " (or " + TORCH_WEIGHTS_FILE
                    + ") next to " + PeftLoraConfig.FILE_NAME);
        }
        try {
            Map<String, TensorInfo> byModule = new LinkedHashMap<>();
            for (Map.Entry<String, TensorInfo> e : weights.tensors().entrySet()) {
                if (!e.getKey().startsWith(KEY_PREFIX)) {
                    throw new CheckpointFormatException(weights.path() + ": tensor '" + e.getKey()
                            + "' is not under PEFT's '" + KEY_PREFIX + "' prefix");
                }
                byModule.put(e.getKey().substring(KEY_PREFIX.length()), e.getValue());
            }
            return new PeftAdapter(dir, config, weights, Collections.unmodifiableMap(byModule));
        } catch (IOException | RuntimeException e) {
            weights.close();
            throw e;
        }
    }

    /**
     * Writes an adapter directory: the weights first, then the configuration, each atomically, so a
     * directory with a configuration always has complete weights beside it.
     *
     * @param dir the directory (created if needed)
     * @param config the configuration
     * @param tensors the tensors by module name (without PEFT's prefix), in order
     * @throws IOException if writing fails
     */
    public static void write(Path dir, PeftLoraConfig config, List<TensorSource> tensors) throws IOException {
        Files.createDirectories(dir);
        List<TensorSource> saved = tensors.stream()
                .map(t -> new TensorSource(KEY_PREFIX + t.name(), t.dtype(), t.shape(), t.data()))
                .toList();
        SafetensorsWriter.write(dir.resolve(WEIGHTS_FILE), Map.of("format", "pt"), saved);
        AtomicFiles.writeString(dir.resolve(PeftLoraConfig.FILE_NAME), config.toJson());
    }

    /** The directory. */
    public Path directory() {
        return directory;
    }

    /** The checked configuration. */
    public PeftLoraConfig config() {
        return config;
    }

    /** The weights file. */
    public Path weightsFile() {
        return weights.path();
    }

    /** Every tensor's module name (without PEFT's prefix), in file order. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /**
     * Where and how a tensor is stored.
     *
     * @param name a module name, without PEFT's prefix
     * @throws IllegalArgumentException if there is no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException(weights.path() + ": no tensor '" + KEY_PREFIX + name + "'");
        }
        return info;
    }

    /**
     * Reads one tensor as float32 values in native byte order.
     *
     * @param name a module name, without PEFT's prefix
     * @return a new direct buffer at position 0
     * @throws IOException if reading fails
     */
    public ByteBuffer readFloat32(String name) throws IOException {
        TensorInfo info = info(name);
        ByteBuffer out = ByteBuffer.allocateDirect(Math.toIntExact(info.numel() * Float.BYTES))
                .order(ByteOrder.nativeOrder());
        weights.readInto(info.name(), DType.F32, out);
        return out;
    }

    @Override
    public void close() throws IOException {
        weights.close();
    }
}
