package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;

import io.github.tinyllama.config.LlamaConfig;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Llama-architecture causal language model ({@code LlamaForCausalLM}) as a DJL block.
 *
 * <p>Input: token ids {@code [B, T]} (int64). Output: logits {@code [B, T, vocab]} (float32).
 * Parameters carry Hugging Face's tensor names ({@link #parametersByName()}), the one table every
 * checkpoint reader and writer goes through.
 *
 * <p>LoRA adapters ({@link #addLora}) sit beside the base weights: they are DJL parameters of the
 * block (so a DJL {@code Trainer} sees them) but not in {@link #parametersByName()}, which stays the
 * base checkpoint's table; {@link #loraParametersByName()} names them.
 *
 * <p>For decoding, {@link #forward(ParameterStore, NDArray, KvCache, boolean, boolean)} takes a
 * {@link KvCache} owned by the caller, so the block itself holds no per-sequence state.
 */
public final class LlamaModel extends LlamaBlock {

    private final LlamaConfig config;
    private final Parameter embedTokens;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final Parameter lmHead;
    private RotaryEmbedding rope;
    private LoraSettings lora;

    /**
     * Creates an uninitialised model; load weights with {@link WeightLoader} or initialise it for training.
     *
     * @param config the architecture
     */
    public LlamaModel(LlamaConfig config) {
        this.config = config;
        ModelSection model = child("model", new ModelSection());
        embedTokens = model.embedTokens;
        norm = model.norm;
        layers.addAll(model.layers);
        lmHead = config.tieWordEmbeddings()
                ? null
                : weight("lm_head.weight", Parameter.Type.WEIGHT, new Shape(config.vocabSize(), config.hiddenSize()));
        // Llama's usual initialisation; only used when training from scratch.
        setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    }

    /** The architecture this model was built for. */
    public LlamaConfig config() {
        return config;
    }

    /** Every parameter by its Hugging Face tensor name (for example {@code model.layers.0.mlp.up_proj.weight}). */
    public Map<String, Parameter> parametersByName() {
        return Collections.unmodifiableMap(parametersByHfName());
    }

    /**
     * Attaches a LoRA adapter to every targeted projection of every layer: {@code A} drawn as PEFT
     * draws it ({@code U(-1/√in, 1/√in)}, from the engine's generator, so {@code Engine.setRandomSeed}
     * fixes it), {@code B} zero, both float32. The model's output is unchanged until {@code B} is
     * trained. Base weights keep their gradient setting; see {@link #freezeBase()}.
     *
     * <p>With adapters attached the stacked q/k/v and gate/up matrices are not used for the
     * adapted groups (their product would leave the adapter out); {@link #mergeLora()} makes them
     * usable again.
     *
     * @param settings rank, alpha, dropout and targets
     * @param manager owner of the adapter weights (usually the DJL model's manager)
     * @throws IllegalStateException if adapters are already attached
     */
    public void addLora(LoraSettings settings, NDManager manager) {
        if (lora != null) {
            throw new IllegalStateException("this model already carries LoRA adapters (" + lora + ")");
        }
        attachAdapters(settings, manager);
        lora = settings;
    }

    /** The settings of the attached adapters, if any. */
    public Optional<LoraSettings> lora() {
        return Optional.ofNullable(lora);
    }

    /**
     * The adapter weights by PEFT's module names without PEFT's {@code base_model.model.} prefix, in
     * model order: {@code model.layers.0.self_attn.q_proj.lora_A.weight} ({@code [r, in]}) and
     * {@code ...lora_B.weight} ({@code [out, r]}); empty without adapters.
     */
    public Map<String, Parameter> loraParametersByName() {
        return Collections.unmodifiableMap(adapterParametersByHfName());
    }

    /** Stops gradients to every base weight and lets them flow to every adapter weight, for LoRA training. */
    public void freezeBase() {
        parametersByName().values().forEach(p -> p.freeze(true));
        loraParametersByName().values().forEach(p -> p.freeze(false));
    }

    /**
     * Folds the adapters into the base weights, {@code W += (alpha / r) · B A} (summed in float32,
     * rounded once to the weight's type), and removes them: the model then computes what it
     * computed with the adapters, at the base model's speed.
     *
     * @throws IllegalStateException if no adapter is attached
     */
    public void mergeLora() {
        if (lora == null) {
            throw new IllegalStateException("this model carries no LoRA adapters to merge");
        }
        mergeAdapters();
        lora = null;
    }

    /** The shape each named parameter must have. */
    public Map<String, Shape> shapesByName() {
        return Collections.unmodifiableMap(shapesByHfName());
    }

    /**
     * Runs the model on new tokens.
     *
     * @param ps where parameter values come from (and are synchronised for training)
     * @param ids {@code [B, T]} token ids (int64)
     * @param cache keys and values of earlier tokens, extended in place; {@code null} to process {@code ids} alone
     * @param lastOnly compute logits for the last position only (decoding needs no more)
     * @param training whether gradients will flow
     * @return logits {@code [B, T, vocab]}, or {@code [B, 1, vocab]} when {@code lastOnly}
     */
    public NDArray forward(ParameterStore ps, NDArray ids, KvCache cache, boolean lastOnly, boolean training) {
        long length = ids.getShape().get(1);
        long start = cache == null ? 0 : cache.length();
        if (start + length > config.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + (start + length)
                    + " tokens exceeds the model's context of " + config.maxPositions());
        }
        if (cache != null) {
            cache.ensureRoom(length);
        }
        NDArray weight = ps.getValue(embedTokens, ids.getDevice(), training);
        NDArray h = Embedding.embedding(ids, weight, SparseFormat.DENSE).singletonOrThrow()
                .toType(DataType.FLOAT32, false);
        NDArray mask = length > 1 ? causalMask(ids.getManager(), start, length) : null;
        RotaryEmbedding.Rotation rotation = rotary(weight.getManager()).at(h, start, length);
        for (int i = 0; i < layers.size(); i++) {
            // Each layer's intermediates are freed as soon as it is done; otherwise a long prompt keeps
            // all 22 layers' activations alive until the pass ends (gigabytes at 512 tokens). Autograd
            // holds its own references to what backward needs, so training is unaffected.
            try (NDScope layerScope = new NDScope()) {
                layerScope.suppressNotUsedWarning();
                h = layers.get(i).forward(ps, h, rotation, cache, i, mask, training);
                NDScope.unregister(h);
            }
        }
        if (cache != null) {
            cache.advance(length);
        }
        if (lastOnly) {
            h = h.get(":, -1:, :");
        }
        h = norm.forward(ps, h, training);
        NDArray head = lmHead == null ? weight : ps.getValue(lmHead, h.getDevice(), training);
        return Projection.apply(h, head);
    }

    /** {@code [T, start + T]}: 0 where query {@code i} may see key {@code j} ({@code j <= start + i}), else -inf. */
    private static NDArray causalMask(NDManager manager, long start, long length) {
        NDArray queries = manager.arange(start, start + length).expandDims(1);
        NDArray keys = manager.arange(0, start + length).expandDims(0);
        NDArray future = keys.gt(queries);
        Shape shape = future.getShape();
        return NDArrays.where(future, manager.full(shape, Float.NEGATIVE_INFINITY), manager.zeros(shape));
    }

    private synchronized RotaryEmbedding rotary(NDManager owner) {
        if (rope == null) {
            rope = new RotaryEmbedding(owner, config);
        }
        return rope;
    }

    /**
     * {@inheritDoc}
     *
     * <p>An empty input gives an empty output: translators that run a whole generation loop in
     * {@code processInput} (through {@link #forward(ParameterStore, NDArray, KvCache, boolean, boolean)}
     * and a cache) hand DJL's predictor nothing left to compute.
     */
    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        if (inputs.isEmpty()) {
            return new NDList();
        }
        return new NDList(forward(ps, inputs.head(), null, false, training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape ids = inputShapes[0];
        return new Shape[] {new Shape(ids.get(0), ids.get(1), config.vocabSize())};
    }

    /** The weights HF keeps under {@code model.}: embeddings, layers and the final norm. */
    private final class ModelSection extends LlamaBlock {
        private final Parameter embedTokens;
        private final List<DecoderLayer> layers = new ArrayList<>();
        private final RmsNorm norm;

        ModelSection() {
            embedTokens = weight("embed_tokens.weight", Parameter.Type.WEIGHT,
                    new Shape(config.vocabSize(), config.hiddenSize()));
            for (int i = 0; i < config.numLayers(); i++) {
                layers.add(child("layers." + i, new DecoderLayer(config)));
            }
            norm = child("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        }

        @Override
        protected NDList forwardInternal(
                ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            throw new UnsupportedOperationException("runs inside LlamaModel");
        }
    }
}
