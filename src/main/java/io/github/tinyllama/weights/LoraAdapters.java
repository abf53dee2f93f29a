package io.github.tinyllama.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import io.github.tinyllama.checkpoint.CheckpointFormatException;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.PeftAdapter;
import io.github.tinyllama.checkpoint.PeftLoraConfig;
import io.github.tinyllama.checkpoint.TensorInfo;
import io.github.tinyllama.checkpoint.TensorSource;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.nn.LoraSettings;
import io.github.tinyllama.nn.LoraTarget;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * LoRA adapters of a {@link LlamaNetwork} in PEFT's directory layout, so adapters trained here load
 * in transformers + PEFT and PEFT's load here.
 *
 * <pre>{@code
 * LoraAdapters.save(model, Path.of("my-adapter"), "TinyLlama/TinyLlama-1.1B-Chat-v1.0");
 * LoraAdapters.merge(model, Path.of("my-adapter"), manager);   // into loaded base weights
 * }</pre>
 */
public final class LoraAdapters {

    private LoraAdapters() {}

    /**
     * Writes the model's adapters as {@code adapter_config.json} and {@code adapter_model.safetensors}
     * (float32, PEFT's tensor names).
     *
     * @param model a model carrying adapters
     * @param dir the adapter directory to create or overwrite
     * @param baseModel the base model's hub id or path, written as {@code base_model_name_or_path}; may be null
     * @throws IllegalStateException if the model carries no adapters
     * @throws IOException if writing fails
     */
    public static void save(LlamaNetwork model, Path dir, String baseModel) throws IOException {
        LoraSettings settings = model.lora()
                .orElseThrow(() -> new IllegalStateException("the model carries no LoRA adapters to save"));
        List<TensorSource> tensors = new ArrayList<>();
        model.loraParametersByName().forEach((name, p) -> {
            NDArray array = p.getArray();
            tensors.add(new TensorSource(name, DType.F32, array.getShape().getShape(),
                    () -> array.toType(DataType.FLOAT32, false).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN)));
        });
        List<String> modules = settings.targets().stream().map(LoraTarget::moduleName).toList();
        PeftLoraConfig config = new PeftLoraConfig(settings.rank(), settings.alpha(),
                Double.parseDouble(Float.toString(settings.dropout())), modules, baseModel);
        PeftAdapter.write(dir, config, tensors);
    }

    /**
     * Attaches the adapter stored in {@code dir} to the model, unmerged (for further training or to
     * compare with the merged weights). The adapter is checked against the model first: on any
     * mismatch the model is left as it was.
     *
     * @param model a model without adapters
     * @param dir a PEFT adapter directory
     * @param manager owner of the adapter weights
     * @return the adapter's settings
     * @throws CheckpointFormatException naming the file and field or tensor when the adapter is
     *     unsupported, incomplete, or shaped for another base model
     * @throws IOException if a file cannot be read
     */
    public static LoraSettings load(LlamaNetwork model, Path dir, NDManager manager) throws IOException {
        if (model.lora().isPresent()) {
            throw new IllegalStateException("the model already carries LoRA adapters");
        }
        try (PeftAdapter adapter = PeftAdapter.open(dir)) {
            LoraSettings settings = settings(adapter.config(), dir.resolve(PeftLoraConfig.FILE_NAME));
            Map<String, Shape> expected = expectedShapes(model, settings);
            check(adapter, expected);
            model.addLora(settings, manager);
            for (Map.Entry<String, Parameter> e : model.loraParametersByName().entrySet()) {
                e.getValue().getArray().set(adapter.readFloat32(e.getKey()));
            }
            return settings;
        }
    }

    /**
     * Loads the adapter in {@code dir} and folds it into the model's weights ({@link LlamaNetwork#mergeLora()}):
     * the model then runs at the base model's speed with the adapter's behaviour.
     *
     * @param model a model without adapters, its base weights loaded
     * @param dir a PEFT adapter directory
     * @param manager a manager for the adapter's temporary weights
     * @return the adapter's settings
     * @throws IOException as {@link #load}
     */
    public static LoraSettings merge(LlamaNetwork model, Path dir, NDManager manager) throws IOException {
        try (NDManager scratch = manager.newSubManager()) {
            LoraSettings settings = load(model, dir, scratch);
            model.mergeLora();
            return settings;
        }
    }

    /**
     * Translates a PEFT configuration into settings for this model.
     *
     * @param config the configuration
     * @param file the configuration's file, for error messages
     * @return the settings
     * @throws CheckpointFormatException if a target module is not one of Llama's seven projections
     */
    public static LoraSettings settings(PeftLoraConfig config, Path file) throws CheckpointFormatException {
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (String module : config.targetModules()) {
            if (PeftLoraConfig.ALL_LINEAR.equals(module)) {
                targets.addAll(EnumSet.allOf(LoraTarget.class));
                continue;
            }
            LoraTarget target = Arrays.stream(LoraTarget.values())
                    .filter(t -> module.equals(t.moduleName()) || module.equals(t.layerPath()))
                    .findFirst()
                    .orElseThrow(() -> new CheckpointFormatException(file + ": field 'target_modules' names '" + module
                            + "', which is not one of the projections LoRA can adapt here (q_proj, k_proj, v_proj,"
                            + " o_proj, gate_proj, up_proj, down_proj or all-linear)"));
            targets.add(target);
        }
        return new LoraSettings(config.rank(), (float) config.alpha(), (float) config.dropout(), targets);
    }

    /** {@code A [r, in]} and {@code B [out, r]} for every targeted weight {@code [out, in]} of the model. */
    private static Map<String, Shape> expectedShapes(LlamaNetwork model, LoraSettings settings) {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        model.shapesByName().forEach((name, shape) -> {
            for (LoraTarget t : settings.targets()) {
                String suffix = "." + t.layerPath() + ".weight";
                if (name.endsWith(suffix)) {
                    String module = name.substring(0, name.length() - ".weight".length());
                    shapes.put(module + ".lora_A.weight", new Shape(settings.rank(), shape.get(1)));
                    shapes.put(module + ".lora_B.weight", new Shape(shape.get(0), settings.rank()));
                }
            }
        });
        return shapes;
    }

    private static void check(PeftAdapter adapter, Map<String, Shape> expected) throws CheckpointFormatException {
        Path file = adapter.weightsFile();
        TreeSet<String> unexpected = new TreeSet<>(adapter.names());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty()) {
            throw new CheckpointFormatException(file + ": tensor '" + PeftAdapter.KEY_PREFIX + unexpected.first()
                    + "'" + more(unexpected.size()) + " does not belong to a LoRA adapter of this model's "
                    + adapter.config().targetModules() + " projections");
        }
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            String saved = PeftAdapter.KEY_PREFIX + e.getKey();
            if (!adapter.names().contains(e.getKey())) {
                long missing = expected.keySet().stream().filter(n -> !adapter.names().contains(n)).count();
                throw new CheckpointFormatException(file + ": missing tensor '" + saved + "'" + more((int) missing)
                        + " that target_modules " + adapter.config().targetModules() + " requires");
            }
            TensorInfo info = adapter.info(e.getKey());
            if (!Arrays.equals(info.shape(), e.getValue().getShape())) {
                throw new CheckpointFormatException(file + ": tensor '" + saved + "' has shape "
                        + Arrays.toString(info.shape()) + " but this model needs " + e.getValue()
                        + " (r=" + adapter.config().rank() + "; an adapter for another base model?)");
            }
        }
    }

    private static String more(int count) {
        return count > 1 ? " (and " + (count - 1) + " more)" : "";
    }
}
