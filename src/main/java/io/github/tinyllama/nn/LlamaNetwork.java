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
 * The Llama-architecture network (Hugging Face's {@code LlamaForCausalLM}) as a DJL block: the
 * layers and their weights, nothing else. A loaded, ready-to-run model is a
 * {@code generate.LanguageModel} (token ids in and out) or a {@code generate.TinyLlama} (text).
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
public final class LlamaNetwork extends AbstractLlamaBlock {

    private final LlamaConfig config;
    private final Parameter embedTokens;
    private final List<DecoderLayer> layers = new ArrayList<>();
    private final RmsNorm norm;
    private final Parameter lmHead;
    private RotaryEmbedding rope;
    private LoraSettings lora;

    /**
     * Creates an uninitialised model; load weights with {@code weights.WeightLoader} or initialise it for training.
     *
     * @param config the architecture
     */
    public LlamaNetwork(LlamaConfig config) {
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
        return forward(ps, ids, cache, null, lastOnly, training);
    }

    /**
     * Runs the model on new tokens of sequences padded to one width: a padded position is hidden from
     * every other position, cached or new, so each row computes what it would alone. Rows padded on the
     * left start at a later position than they would alone; rotary embeddings depend only on the distance
     * between query and key, so their scores are the same up to float rounding.
     *
     * @param ps where parameter values come from
     * @param ids {@code [B, T]} token ids (int64); padded positions may hold any valid id
     * @param cache keys and values of earlier tokens, extended in place; {@code null} to process {@code ids} alone
     * @param padding {@code [B, start + T]} boolean, true at the padded positions of the cache and of {@code ids};
     *     {@code null} when no row is padded
     * @param lastOnly compute logits for the last position only
     * @param training whether gradients will flow
     * @return logits {@code [B, T, vocab]}, or {@code [B, 1, vocab]} when {@code lastOnly}
     */
    public NDArray forward(ParameterStore ps, NDArray ids, KvCache cache, NDArray padding, boolean lastOnly,
            boolean training) {
        NDArray h = hiddenStates(ps, ids, cache, padding, training);
        if (lastOnly) {
            h = h.get(":, -1:, :");
        }
        return logits(ps, h, training);
    }

    /**
     * Runs the decoder layers only: the last layer's output {@code [B, T, hidden]}, before the final norm. With
     * {@link #logits} it is {@link #forward(ParameterStore, NDArray, KvCache, NDArray, boolean, boolean)}, split so
     * that a caller can keep only the positions it scores before the vocabulary-wide projection.
     *
     * @param ps where parameter values come from
     * @param ids {@code [B, T]} token ids (int64)
     * @param cache keys and values of earlier tokens, extended in place; {@code null} to process {@code ids} alone
     * @param padding {@code [B, start + T]} boolean, true at padded positions; {@code null} when no row is padded
     * @param training whether gradients will flow
     * @return the hidden states {@code [B, T, hidden]}
     */
    public NDArray hiddenStates(ParameterStore ps, NDArray ids, KvCache cache, NDArray padding, boolean training) {
        return hiddenStates(ps, ids, cache, padding, null, training);
    }

    /**
     * {@link #hiddenStates(ParameterStore, NDArray, KvCache, NDArray, boolean)} with a position of its own for each
     * row, for sequences that share a cache but did not start together (continuous batching): row {@code b}'s new
     * tokens take positions {@code positions[b]} on, whichever cache columns they sit in, so a row computes what it
     * computes alone wherever its keys and values were placed (with its earlier columns hidden by {@code padding}).
     *
     * @param positions for each row the position of its first new token; {@code null} for the cache's length
     * @return the hidden states {@code [B, T, hidden]}
     */
    public NDArray hiddenStates(ParameterStore ps, NDArray ids, KvCache cache, NDArray padding, long[] positions,
            boolean training) {
        long length = ids.getShape().get(1);
        if (positions != null) {
            for (long p : positions) {
                if (p < 0 || p + length > config.maxPositions()) {
                    throw new IllegalArgumentException("a row at position " + p + " with " + length
                            + " new tokens exceeds the model's context of " + config.maxPositions());
                }
            }
        }
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
        if (padding != null && !padding.getShape().equals(new Shape(ids.getShape().get(0), start + length))) {
            throw new IllegalArgumentException("padding of shape " + padding.getShape() + " for " + ids.getShape()
                    + " new tokens after " + start + " cached ones");
        }
        NDArray mask = length > 1 || padding != null ? attentionMask(ids.getManager(), start, length, padding) : null;
        RotaryEmbedding.Rotation rotation = positions == null ? rotary(weight.getManager()).at(h, start, length)
                : rotary(weight.getManager()).at(h, positions, length);
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
        return h;
    }

    /**
     * The final norm and the vocabulary projection of hidden states from {@link #hiddenStates}.
     *
     * @param ps where parameter values come from
     * @param hidden hidden states {@code [..., hidden]}
     * @param training whether gradients will flow
     * @return logits {@code [..., vocab]}
     */
    public NDArray logits(ParameterStore ps, NDArray hidden, boolean training) {
        NDArray h = norm.forward(ps, hidden, training);
        NDArray head = lmHead == null ? ps.getValue(embedTokens, h.getDevice(), training)
                : ps.getValue(lmHead, h.getDevice(), training);
        return Projection.apply(h, head);
    }

    /**
     * The additive attention mask: 0 where query {@code i} may see key {@code j}, else -inf. Without padding it
     * is {@code [T, start + T]} and causal ({@code j <= start + i}); with padding it is {@code [B, 1, 1, T, start + T]}
     * and also hides each row's padded keys, except that a padded query still sees itself: a row of -inf only
     * would make its softmax NaN, and the NaN would reach the real rows through {@code 0 * NaN} in the next
     * layer's product with the values.
     */
    private static NDArray attentionMask(NDManager manager, long start, long length, NDArray padding) {
        NDArray queries = manager.arange(start, start + length).expandDims(1);
        NDArray keys = manager.arange(0, start + length).expandDims(0);
        NDArray hidden = keys.gt(queries);
        if (padding != null) {
            long batch = padding.getShape().get(0);
            NDArray paddedKey = padding.expandDims(1).logicalAnd(keys.neq(queries));
            hidden = hidden.logicalOr(paddedKey).reshape(batch, 1, 1, length, start + length);
        }
        Shape shape = hidden.getShape();
        return NDArrays.where(hidden, manager.full(shape, Float.NEGATIVE_INFINITY), manager.zeros(shape));
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
    private final class ModelSection extends AbstractLlamaBlock {
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
            throw new UnsupportedOperationException("runs inside LlamaNetwork");
        }
    }
}
