package io.github.tinyllama.generate;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;

import io.github.tinyllama.config.LlamaConfig;
import io.github.tinyllama.nn.KvCache;
import io.github.tinyllama.nn.LlamaNetwork;
import io.github.tinyllama.util.Capacity;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A whole forward pass of a loaded {@link LlamaNetwork} as one native call: a TorchScript module (generated
 * from {@code src/main/python/decode_step.py}, shipped as the resource {@code decode-step.pt}) that takes the
 * network's weights once and then, per step, only token ids, positions and the KV cache. The Blocks stay the
 * definition of the network; this computes the same thing without the hundreds of JNI calls a step through
 * them costs.
 *
 * <p>Steps are batched: row {@code b} of {@code ids [B, T]} starts at its own position and writes its keys and
 * values to those columns of row {@code b} of a shared {@link KvCache}, attending to the columns before it, so
 * sequences of different lengths decode together (continuous batching) without padding masks.
 *
 * <p>Inside the module the matrices may be held in a form Java never sees: bfloat16 copies (DJL aborts the JVM
 * on a bfloat16 array, so they are never returned) or int8 with a scale per output row.
 */
public final class ScriptedStep implements AutoCloseable {

    /** The archive, generated from {@code src/main/python/decode_step.py}. */
    static final String RESOURCE = "decode-step.pt";

    /** How the module holds the weight matrices; the order is the script's ({@code DecodeStep.FLOAT32} ...). */
    public enum Kind {
        /** The network's float32 matrices, shared, not copied. */
        FLOAT32,
        /** The network's float16 matrices, shared; products in float16, everything else float32. */
        FLOAT16,
        /** bfloat16 copies of the matrices, made inside the module. */
        BFLOAT16,
        /**
         * int8 copies with one scale per output row (symmetric, {@code max|w| / 127}), multiplied by libtorch's
         * dynamically quantized linear (fbgemm: activations quantized on the fly with one range per token, so that a
         * token's result does not depend on what shares the call; int32 sums).
         */
        INT8,
        /**
         * float16 copies packed for fbgemm's half-precision product (converted to float32 in registers, float32
         * sums), which streams 16-bit weights faster than libtorch's float16 {@code linear} on CPUs without
         * native float16 arithmetic.
         */
        FLOAT16_PACKED;

        /**
         * The kind for matrices held as {@code dataType} on {@code device}: float32 as they are; float16 packed
         * for fbgemm on a CPU (where it is faster), as they are on a GPU.
         */
        public static Kind of(DataType dataType, Device device) {
            if (dataType == DataType.FLOAT32) {
                return FLOAT32;
            }
            return device != null && device.isGpu() ? FLOAT16 : FLOAT16_PACKED;
        }
    }

    private final PtSymbolBlock module;
    private final LlamaConfig config;
    private final Kind kind;
    private final long ownedBytes;

    private ScriptedStep(PtSymbolBlock module, LlamaConfig config, Kind kind, long ownedBytes) {
        this.module = module;
        this.config = config;
        this.kind = kind;
        this.ownedBytes = ownedBytes;
    }

    /**
     * Loads the module and hands it the network's weights.
     *
     * @param network a loaded network without unmerged LoRA adapters
     * @param kind how the module holds the matrices; {@link Kind#FLOAT32} and {@link Kind#FLOAT16} need the
     *     network's matrices in that type
     * @param manager the PyTorch manager the module's native memory is accounted to (the model's)
     * @return the step, owned by the caller
     * @throws IllegalArgumentException if the network carries adapters or its matrices do not match {@code kind}
     */
    public static ScriptedStep load(LlamaNetwork network, Kind kind, NDManager manager) {
        if (network.lora().isPresent()) {
            throw new IllegalArgumentException("the scripted engine needs merged weights: merge the LoRA adapters"
                    + " first (LlamaNetwork.mergeLora) or use the blocks engine");
        }
        LlamaConfig config = network.config();
        List<NDArray> weights = weightsInScriptOrder(network);
        DataType matrixType = weights.get(2).getDataType();
        if ((kind == Kind.FLOAT32 && matrixType != DataType.FLOAT32)
                || (kind == Kind.FLOAT16 && matrixType != DataType.FLOAT16)) {
            throw new IllegalArgumentException("a " + kind + " step needs the network's matrices in that type, not "
                    + matrixType);
        }
        long bytesPerWeight = switch (kind) {
            case INT8 -> 1;
            case BFLOAT16, FLOAT16_PACKED -> 2;
            case FLOAT32, FLOAT16 -> 0;
        };
        long copies = bytesPerWeight * config.parameterCount();
        if (copies > 0 && !manager.getDevice().isGpu()) {
            Capacity.requireMemory(copies, "the scripted step's " + kind + " copies of the weights",
                    kind == Kind.INT8 ? "free memory" : "use --engine blocks, or free memory");
        }
        PtSymbolBlock module = loadArchive((PtNDManager) manager);
        try {
            PtNDArray[] arrays = weights.stream().map(a -> (PtNDArray) a).toArray(PtNDArray[]::new);
            try (IValue sizes = IValue.listFrom(config.numLayers(), config.numHeads(), config.numKvHeads(),
                        config.headSize());
                    IValue eps = IValue.from(config.rmsNormEps());
                    IValue theta = IValue.from(config.ropeTheta());
                    IValue scaling = IValue.from(config.ropeScalingFactor());
                    IValue kindValue = IValue.from((long) kind.ordinal());
                    IValue list = IValue.listFrom(arrays);
                    IValue owned = IValueUtils.runMethod(module, "load", sizes, eps, theta, scaling, kindValue, list)) {
                return new ScriptedStep(module, config, kind, owned.toLong());
            }
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    private static PtSymbolBlock loadArchive(PtNDManager manager) {
        try (InputStream in = ScriptedStep.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the scripted decode step " + RESOURCE + " is missing from the"
                        + " class path; rebuild the project");
            }
            return JniUtils.loadModule(manager, in, true, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }

    /**
     * The embedding; per layer the input norm, q, k, v, o, the post-attention norm, gate, up, down; the final
     * norm and the vocabulary head (the embedding again when tied), as {@code DecodeStep.load} takes them.
     */
    private static List<NDArray> weightsInScriptOrder(LlamaNetwork network) {
        Map<String, Parameter> byName = network.parametersByName();
        List<String> names = new ArrayList<>();
        names.add("model.embed_tokens.weight");
        for (int i = 0; i < network.config().numLayers(); i++) {
            String layer = "model.layers." + i + ".";
            names.add(layer + "input_layernorm.weight");
            for (String p : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                names.add(layer + "self_attn." + p + ".weight");
            }
            names.add(layer + "post_attention_layernorm.weight");
            for (String p : new String[] {"gate_proj", "up_proj", "down_proj"}) {
                names.add(layer + "mlp." + p + ".weight");
            }
        }
        names.add("model.norm.weight");
        names.add(byName.containsKey("lm_head.weight") ? "lm_head.weight" : "model.embed_tokens.weight");
        List<NDArray> out = new ArrayList<>(names.size());
        for (String name : names) {
            Parameter p = byName.get(name);
            if (p == null || !p.isInitialized()) {
                throw new IllegalArgumentException("the network has no loaded weight " + name);
            }
            out.add(p.getArray());
        }
        return out;
    }

    /** How the module holds the matrices. */
    public Kind kind() {
        return kind;
    }

    /** Bytes of matrices the module holds in copies of its own (bfloat16 or int8), beside the network's. */
    public long ownedBytes() {
        return ownedBytes;
    }

    /**
     * Runs one step for a batch of sequences that share a cache: row {@code b} of {@code ids} takes positions
     * {@code positions[b] .. positions[b] + T - 1}, writes its keys and values to those columns of row {@code b}
     * of {@code cache}, and attends to that row's columns {@code 0 ..} its own position. The cache's length is
     * left to the caller ({@link KvCache#resize}).
     *
     * @param ids {@code [B, T]} token ids (int64); the result is attached to its manager
     * @param positions for each row the position of its first token
     * @param cache a cache of {@code B} rows, capacity at least every {@code positions[b] + T}
     * @param last how many of the last positions get logits (1 to decode; 0 for all {@code T})
     * @return float32 logits {@code [B, last, vocab]} ({@code [B, T, vocab]} when {@code last} is 0)
     * @throws IllegalArgumentException if a position is negative or a row runs past the cache or the context
     */
    public NDArray forward(NDArray ids, long[] positions, KvCache cache, int last) {
        try (IValue lastValue = IValue.from((long) last)) {
            return run("step", ids, positions, cache, lastValue);
        }
    }

    /**
     * Prefills prompts of different lengths together, one per row of a fresh {@code cache}, in one call: the
     * products then run over all their tokens at once, which is faster than prompt by prompt. Shorter prompts are
     * padded on the right; the padding writes cache columns past each prompt, which that row's next tokens
     * overwrite before anything attends to them. The cache's length becomes the longest prompt's.
     *
     * @param prompts one prompt per row of {@code cache}, none empty
     * @param cache an empty cache of {@code prompts.length} rows
     * @param parent the manager the step's arrays are made under (freed before returning)
     * @return per row, the next-token logits after its prompt
     * @throws IllegalArgumentException if the rows do not match or a prompt is empty or does not fit
     */
    public float[][] prefill(long[][] prompts, KvCache cache, NDManager parent) {
        int rows = prompts.length;
        int longest = Arrays.stream(prompts).mapToInt(p -> p.length).max().orElse(0);
        if (rows == 0 || Arrays.stream(prompts).anyMatch(p -> p.length == 0) || cache.length() != 0) {
            throw new IllegalArgumentException("prefill needs non-empty prompts and an empty cache");
        }
        if (cache.rows() != rows) {
            throw new IllegalArgumentException(rows + " prompts for a cache of " + cache.rows() + " rows");
        }
        long[] ids = new long[rows * longest];
        long[] lengths = new long[rows];
        for (int r = 0; r < rows; r++) {
            long[] p = prompts[r];
            System.arraycopy(p, 0, ids, r * longest, p.length);
            // Any valid id pads: its keys and values are overwritten before they are read.
            Arrays.fill(ids, r * longest + p.length, (r + 1) * longest, p[p.length - 1]);
            lengths[r] = p.length;
        }
        try (NDManager step = parent.newSubManager()) {
            PtNDArray lengthArray = (PtNDArray) step.create(lengths);
            float[] flat;
            try (IValue lengthValue = IValue.from(lengthArray)) {
                flat = run("prefill", step.create(ids).reshape(rows, longest), new long[rows], cache, lengthValue)
                        .toFloatArray();
            }
            cache.resize(longest);
            return LogitRows.split(flat, rows);
        }
    }

    /** Calls one of the module's step methods: ids, positions and the cache, then {@code extra}. */
    private NDArray run(String method, NDArray ids, long[] positions, KvCache cache, IValue extra) {
        long batch = ids.getShape().get(0);
        long length = ids.getShape().get(1);
        if (positions.length != batch) {
            throw new IllegalArgumentException(positions.length + " positions for " + batch + " rows");
        }
        long end = 0;
        for (long p : positions) {
            if (p < 0 || p + length > Math.min(config.maxPositions(), cache.capacity())) {
                throw new IllegalArgumentException("a row at position " + p + " with " + length + " new tokens"
                        + " exceeds the cache of " + cache.capacity() + " or the model's context of "
                        + config.maxPositions());
            }
            end = Math.max(end, p + length);
        }
        NDArray[] buffers = cache.buffers((int) end);
        int layers = buffers.length / 2;
        PtNDArray[] keys = Arrays.copyOf(buffers, layers, PtNDArray[].class);
        PtNDArray[] values = Arrays.copyOfRange(buffers, layers, buffers.length, PtNDArray[].class);
        PtNDManager manager = (PtNDManager) ids.getManager();
        try (PtNDArray start = (PtNDArray) manager.create(positions);
                IValue idsValue = IValue.from((PtNDArray) ids);
                IValue startValue = IValue.from(start);
                IValue keysValue = IValue.listFrom(keys);
                IValue valuesValue = IValue.listFrom(values);
                IValue logits = IValueUtils.runMethod(module, method, idsValue, startValue, keysValue, valuesValue,
                        extra)) {
            return logits.toTensor(manager);
        }
    }

    /**
     * One sequence's step after what {@code cache} holds ({@code LanguageModel}'s decoding): runs {@code input},
     * extends the cache by it and returns the next-token logits of its last {@code positions} positions.
     */
    float[][] lastLogits(long[] input, int positions, KvCache cache, NDManager parent) {
        int start = cache.length();
        try (NDManager step = parent.newSubManager()) {
            NDArray ids = step.create(input).reshape(1, input.length);
            float[] flat = forward(ids, new long[] {start}, cache, positions).toFloatArray();
            cache.resize(start + input.length);
            return LogitRows.split(flat, positions);
        }
    }

    /**
     * Measures the FLOP/s of the products the steps run, in this step's {@link #kind()}: {@code rows} random
     * activations through layer 0's gate and up matrices (the largest per layer), the fastest of three timed
     * runs after a warm-up. For int8 this is the ceiling of int8 arithmetic, which a float32 GEMM peak is not.
     *
     * @param rows rows of the product (a batch's tokens); hundreds give the kernel's peak
     * @param parent the manager the inputs are made under (freed before returning)
     * @return FLOP/s, counting 2 per multiply-add
     */
    public double productPeak(int rows, NDManager parent) {
        long inner = config.hiddenSize();
        long columns = 2L * config.intermediateSize();
        double fastest = Double.MAX_VALUE;
        try (NDManager m = parent.newSubManager();
                PtNDArray x = (PtNDArray) m.randomUniform(-1, 1, new Shape(rows, inner));
                IValue input = IValue.from(x);
                IValue gateUp = IValue.from(2L)) {
            for (int i = 0; i < 4; i++) {
                long start = System.nanoTime();
                IValueUtils.runMethod(module, "product", input, gateUp).close();
                if (i > 0) {
                    fastest = Math.min(fastest, (System.nanoTime() - start) / 1e9);
                }
            }
        }
        return 2.0 * rows * inner * columns / fastest;
    }

    @Override
    public void close() {
        module.close();
    }
}
