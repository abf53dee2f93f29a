package io.github.tinyllama.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.Conversions;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.SafetensorsWriter;
import io.github.tinyllama.checkpoint.SideFiles;
import io.github.tinyllama.checkpoint.TensorInfo;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.nn.LoraAdapter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a base model with a LoRA adapter folded in as a plain Hugging Face model directory, which
 * transformers (or this project) loads without PEFT.
 *
 * <pre>{@code
 * LoraMerge.writeMerged(Path.of("TinyLlama-1.1B-Chat-v1.0"), Path.of("my-adapter"), Path.of("merged"), null);
 * }</pre>
 */
public final class LoraMerge {

    private LoraMerge() {}

    /**
     * Writes {@code model.safetensors} with {@code W + (alpha / r) · B A} for every adapted weight
     * (summed in float32, rounded once to the stored type) and every other tensor as it was, then
     * {@code config.json}, {@code generation_config.json} and the tokenizer files. Tensors stream one at
     * a time, so memory stays near the largest tensor, not the model.
     *
     * @param baseDir the adapter's base model directory
     * @param adapterDir the PEFT adapter directory
     * @param outDir the directory to write (created if needed; must differ from {@code baseDir})
     * @param storedType the type to store every tensor in; {@code null} keeps each tensor's type in the base
     * @throws IOException naming the file and field or tensor if the adapter does not fit the base, or if
     *     reading or writing fails; the weights file is never left half-written
     */
    public static void writeMerged(Path baseDir, Path adapterDir, Path outDir, DType storedType) throws IOException {
        if (Files.exists(outDir) && Files.isSameFile(baseDir, outDir)) {
            throw new IOException(outDir + ": the merged model must go to another directory than its base");
        }
        LlamaConfig config = LlamaConfig.load(baseDir);
        try (Checkpoint base = Checkpoint.open(baseDir); NDManager manager = NDManager.newBaseManager()) {
            LlamaNetwork model = new LlamaNetwork(config);
            LoraAdapters.load(model, adapterDir, manager);
            Map<String, LoraAdapter> adapters = model.adaptersByWeightName();
            List<TensorSource> tensors = new ArrayList<>();
            for (String name : base.names()) {
                TensorInfo info = base.info(name);
                DType type = storedType != null ? storedType : info.dtype();
                LoraAdapter adapter = adapters.get(name);
                tensors.add(adapter == null
                        ? base.source(name, name, type)
                        : new TensorSource(name, type, info.shape(), () -> merged(base, info, adapter, type, manager)));
            }
            Files.createDirectories(outDir);
            SafetensorsWriter.write(outDir.resolve(Checkpoint.SINGLE_FILE), Map.of("format", "pt"), tensors);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        SideFiles.copy(baseDir.resolve(LlamaConfig.FILE_NAME), baseDir, outDir, storedType);
    }

    private static ByteBuffer merged(Checkpoint base, TensorInfo info, LoraAdapter adapter, DType type,
            NDManager manager) {
        // Every array made for this tensor is freed when the scope closes; the result is a Java buffer.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray weight = manager.create(base.read(info.name(), DType.F32).asFloatBuffer(),
                    new Shape(info.shape()), DataType.FLOAT32);
            ByteBuffer sum = weight.add(adapter.delta()).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            return Conversions.convert(sum, DType.F32, type).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
