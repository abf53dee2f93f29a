package io.github.tinyllama.weights;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

import io.github.tinyllama.checkpoint.Checkpoint;
import io.github.tinyllama.checkpoint.CheckpointFormatException;
import io.github.tinyllama.checkpoint.DType;
import io.github.tinyllama.checkpoint.TensorInfo;
import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.FusedWeights;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.util.Capacity;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * Fills a {@link LlamaNetwork}'s parameters from a Hugging Face checkpoint, strictly: every
 * parameter must be present with its exact shape, and every tensor must belong to a parameter.
 *
 * <p>Matrices are converted to the requested compute type (float32 or float16; bfloat16 is
 * converted in Java because DJL's PyTorch engine cannot hold it); normalisation weights stay
 * float32, as the norms compute in float32.
 */
public final class WeightLoader {

    /** Recomputed from the config, so HF checkpoints that still carry it are not refused. */
    private static final String ROTARY_BUFFER_SUFFIX = ".rotary_emb.inv_freq";

    private WeightLoader() {}

    /**
     * Loads all weights.
     *
     * @param model the model whose parameters to fill
     * @param checkpoint the opened checkpoint
     * @param manager owner of the created arrays (usually the DJL model's manager)
     * @param matrixType {@link DataType#FLOAT32} or {@link DataType#FLOAT16}
     * @param stack store weights that share an input (q/k/v, gate/up) as one matrix each, the
     *     parameters becoming views of it, so inference multiplies once instead of several times
     *     (CPU only; for inference: parameters that are views are not meant for an optimizer)
     * @param progress called with the bytes read after each tensor
     * @throws IOException if the checkpoint does not match the model, naming the tensor and file
     */
    public static void load(LlamaNetwork model, Checkpoint checkpoint, NDManager manager, DataType matrixType,
            boolean stack, LongConsumer progress) throws IOException {
        if (matrixType != DataType.FLOAT32 && matrixType != DataType.FLOAT16) {
            throw new IllegalArgumentException("weights can be held as float32 or float16, not " + matrixType);
        }
        checkMemory(model.config(), matrixType, manager.getDevice());
        Map<String, Parameter> parameters = model.parametersByName();
        Map<String, Shape> shapes = model.shapesByName();
        checkNames(model, checkpoint, parameters.keySet());
        for (String name : parameters.keySet()) {
            checkShape(checkpoint.info(name), shapes.get(name));
        }
        Set<String> done = new HashSet<>();
        if (stack && !manager.getDevice().isGpu()) {
            for (FusedWeights group : model.fusedWeights()) {
                group.install().accept(readStacked(checkpoint, group.hfNames(), parameters, shapes, manager, matrixType));
                done.addAll(group.hfNames());
                group.hfNames().forEach(name -> progress.accept(checkpoint.info(name).byteLength()));
            }
        }
        for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
            String name = entry.getKey();
            if (done.contains(name)) {
                continue;
            }
            Shape shape = shapes.get(name);
            DataType type = shape.dimension() == 1 ? DataType.FLOAT32 : matrixType;
            NDArray array = read(checkpoint, name, manager, shape, type);
            // Weights outlive any NDScope open around loading.
            NDScope.unregister(array);
            set(entry.getValue(), array);
            progress.accept(checkpoint.info(name).byteLength());
        }
    }

    /**
     * Refuses, before anything is allocated, weights that cannot fit the memory available now; on a GPU the
     * engine's own allocator decides.
     *
     * @param config the architecture
     * @param matrixType the type the matrices will be held in
     * @param device where they will be held; {@code null} for the engine's default (the CPU here)
     * @throws IllegalArgumentException saying how much is needed and how much there is
     */
    public static void checkMemory(LlamaConfig config, DataType matrixType, Device device) {
        if (device != null && device.isGpu()) {
            return;
        }
        long count = config.parameterCount();
        long bytes = count > Long.MAX_VALUE / 4 ? -1 : count * (matrixType == DataType.FLOAT16 ? 2 : 4);
        Capacity.requireMemory(bytes, "a model of " + String.format(Locale.ROOT, "%,d", count) + " weights as "
                + matrixType, "check the sizes in its config.json, or use --dtype float16 or a larger machine");
    }

    private static void checkShape(TensorInfo info, Shape expected) throws CheckpointFormatException {
        if (!Arrays.equals(info.shape(), expected.getShape())) {
            throw new CheckpointFormatException(info.file() + ": tensor '" + info.name() + "' has shape "
                    + Arrays.toString(info.shape()) + " but the config needs " + expected);
        }
    }

    /** Reads matrices with equal column counts into one row-stacked matrix; each parameter becomes a view of its rows. */
    private static NDArray readStacked(Checkpoint checkpoint, List<String> names, Map<String, Parameter> parameters,
            Map<String, Shape> shapes, NDManager manager, DataType type) throws IOException {
        long columns = shapes.get(names.get(0)).get(1);
        long rows = names.stream().mapToLong(n -> shapes.get(n).get(0)).sum();
        NDArray stacked = manager.create(new Shape(rows, columns), type);
        NDScope.unregister(stacked);
        ByteBuffer memory = stacked.toByteBuffer(true).order(ByteOrder.nativeOrder());
        DType target = type == DataType.FLOAT16 ? DType.F16 : DType.F32;
        long row = 0;
        for (String name : names) {
            long count = shapes.get(name).get(0);
            ByteBuffer slice = memory.duplicate().order(ByteOrder.nativeOrder());
            slice.position(Math.toIntExact(row * columns * target.byteSize()));
            checkpoint.readInto(name, target, slice);
            NDArray view = stacked.get(new NDIndex("{}:{}", row, row + count));
            NDScope.unregister(view);
            set(parameters.get(name), view);
            row += count;
        }
        return stacked;
    }

    /**
     * On the CPU the engine allocates the tensor and the checkpoint converts straight into its
     * memory: one pass, no intermediate copy, so peak memory is the weights themselves.
     */
    private static NDArray read(Checkpoint checkpoint, String name, NDManager manager, Shape shape, DataType type)
            throws IOException {
        DType target = type == DataType.FLOAT16 ? DType.F16 : DType.F32;
        if (!manager.getDevice().isGpu()) {
            NDArray array = manager.create(shape, type);
            ByteBuffer memory = array.toByteBuffer(true);
            if (memory.isDirect()) {
                checkpoint.readInto(name, target, memory.order(ByteOrder.nativeOrder()));
                return array;
            }
            array.close();
        }
        return manager.create(checkpoint.read(name, target), shape, type);
    }

    private static void set(Parameter parameter, NDArray array) {
        if (parameter.isInitialized()) {
            array.copyTo(parameter.getArray());
            array.close();
        } else {
            parameter.setArray(array);
        }
    }

    private static void checkNames(LlamaNetwork model, Checkpoint checkpoint, Set<String> wanted)
            throws CheckpointFormatException {
        List<String> missing = new ArrayList<>();
        for (String name : wanted) {
            if (!checkpoint.names().contains(name)) {
                missing.add(name);
            }
        }
        TreeSet<String> unexpected = new TreeSet<>();
        for (String name : checkpoint.names()) {
            boolean tiedHead = model.config().tieWordEmbeddings() && "lm_head.weight".equals(name);
            if (!wanted.contains(name) && !name.endsWith(ROTARY_BUFFER_SUFFIX) && !tiedHead) {
                unexpected.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointFormatException(checkpoint.directory() + ": missing tensor(s) " + summary(missing)
                    + " that the config (" + model.config().numLayers() + " layers, tie_word_embeddings="
                    + model.config().tieWordEmbeddings() + ") requires");
        }
        if (!unexpected.isEmpty()) {
            String first = unexpected.first();
            throw new CheckpointFormatException(checkpoint.info(first).file() + ": unexpected tensor(s) "
                    + summary(new ArrayList<>(unexpected)) + " that the config does not use");
        }
    }

    private static String summary(List<String> names) {
        int shown = Math.min(names.size(), 5);
        String list = String.join(", ", names.subList(0, shown));
        return names.size() > shown ? list + " and " + (names.size() - shown) + " more" : list;
    }
}
