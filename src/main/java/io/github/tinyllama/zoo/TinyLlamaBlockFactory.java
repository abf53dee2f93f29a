package io.github.tinyllama.zoo;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.weights.ComputeType;
import io.github.tinyllama.weights.Devices;
import io.github.tinyllama.weights.LoraAdapters;
import io.github.tinyllama.weights.WeightLoader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds a {@link LlamaNetwork} from a Hugging Face model directory for DJL's generic loading path
 * ({@code blockFactory} argument): the architecture from {@code config.json}, the weights from the
 * checkpoint files, straight into the model's memory. DJL itself then has no parameter file to
 * read, so the artifact carries the option {@code hasParameter=false}.
 *
 * <p>Arguments: {@code dtype}, the compute type of the weight matrices: {@code float32} (default),
 * {@code float16}, or {@code auto} (float16 when the checkpoint is stored in 16 bits and its values fit);
 * {@code adapter}, a PEFT LoRA adapter directory (a {@code Path} or a path string) merged into the
 * weights at load time, so decoding runs at the base model's speed.
 */
public final class TinyLlamaBlockFactory implements BlockFactory {

    /** The argument naming a PEFT LoRA adapter directory to merge. */
    public static final String ADAPTER = "adapter";

    private static final long serialVersionUID = 1L;

    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
        Devices.check(model.getNDManager().getDevice(), model.getNDManager().getEngine(),
                "the Criteria's device " + model.getNDManager().getDevice() + " is not there");
        LlamaConfig config = LlamaConfig.load(modelPath);
        LlamaNetwork block = new LlamaNetwork(config);
        try (Checkpoint checkpoint = Checkpoint.open(modelPath)) {
            DataType dataType = computeType(arguments).resolve(checkpoint);
            WeightLoader.load(block, checkpoint, model.getNDManager(), dataType, true, bytes -> {});
        }
        Object adapter = arguments.get(ADAPTER);
        if (adapter != null) {
            LoraAdapters.merge(block, Path.of(adapter.toString()), model.getNDManager());
        }
        return block;
    }

    static ComputeType computeType(Map<String, ?> arguments) {
        Object value = arguments.get("dtype");
        String name = value == null ? "float32" : value.toString();
        try {
            ComputeType type = ComputeType.of(name);
            if (type != ComputeType.INT8) {
                return type;
            }
        } catch (IllegalArgumentException e) {
            // refused below, naming the types the zoo takes
        }
        // int8 lives in the scripted decode step, which the zoo's translators do not use yet.
        throw new IllegalArgumentException("argument dtype is '" + name + "': use auto, float32 or float16");
    }
}
