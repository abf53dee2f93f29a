package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import io.github.tinyllama.config.LlamaConfig;

/**
 * Causal self-attention with grouped key/value heads: query head {@code h} reads key/value head
 * {@code h / (heads / kvHeads)}, as HF's {@code repeat_kv} arranges it.
 *
 * <p>Instead of repeating keys and values per query head, the queries of one group are stacked
 * along the sequence axis ({@code [B, kvHeads, group * T, d]}), so each key/value head is read
 * once per step: the decode step stays a plain batched matrix product without copies.
 */
public final class Attention extends AbstractLlamaBlock {

    /** q, k and v stacked row-wise, when a loader stored them so; then one product serves all three. */
    private NDArray qkv;
    private final int heads;
    private final int kvHeads;
    private final int headSize;
    private final float scale;

    Attention(LlamaConfig config) {
        heads = config.numHeads();
        kvHeads = config.numKvHeads();
        headSize = config.headSize();
        scale = (float) (1.0 / Math.sqrt(headSize));
        int hidden = config.hiddenSize();
        projection(LoraTarget.Q, (long) heads * headSize, hidden);
        projection(LoraTarget.K, (long) kvHeads * headSize, hidden);
        projection(LoraTarget.V, (long) kvHeads * headSize, hidden);
        projection(LoraTarget.O, hidden, (long) heads * headSize);
        fusable(stacked -> qkv = stacked, "q_proj.weight", "k_proj.weight", "v_proj.weight");
    }

    /**
     * Attends from the {@code T} new positions of {@code x} ({@code [B, T, hidden]}) to every
     * earlier position.
     *
     * @param rotation rotary position embedding of the new positions
     * @param layer this layer's index in the cache
     * @param cache earlier keys and values, updated in place; {@code null} to attend within {@code x} only
     * @param mask additive mask {@code [T, start + T]} (causal) or {@code [B, 1, 1, T, start + T]} (causal and
     *     padding), or {@code null} when a single unpadded token needs none
     */
    NDArray forward(ParameterStore ps, NDArray x, RotaryEmbedding.Rotation rotation, KvCache cache, int layer,
            NDArray mask, boolean training) {
        Shape shape = x.getShape();
        long batch = shape.get(0);
        long length = shape.get(1);
        NDList projected = projectQkv(ps, x, training);
        NDArray q = rotation.apply(heads(projected.get(0), heads));
        NDArray k = rotation.apply(heads(projected.get(1), kvHeads));
        NDArray v = heads(projected.get(2), kvHeads);
        if (cache != null) {
            NDArray[] all = cache.append(layer, k, v);
            k = all[0];
            v = all[1];
        }
        long group = heads / kvHeads;
        long keysLength = k.getShape().get(2);
        NDArray groupedQ = q.reshape(batch, kvHeads, group * length, headSize);
        NDArray scores = groupedQ.matMul(k.swapAxes(2, 3));
        scores = scores.mul(Scalars.of(scores, scale));
        if (mask != null) {
            scores = scores.reshape(batch, kvHeads, group, length, keysLength).add(mask)
                    .reshape(batch, kvHeads, group * length, keysLength);
        }
        NDArray context = scores.softmax(-1).matMul(v)
                .reshape(batch, heads, length, headSize)
                .transpose(0, 2, 1, 3)
                .reshape(batch, length, (long) heads * headSize);
        return project(ps, context, LoraTarget.O, training);
    }

    private NDList projectQkv(ParameterStore ps, NDArray x, boolean training) {
        if (qkv != null && !training && !adapted(LoraTarget.Q, LoraTarget.K, LoraTarget.V)) {
            long q = (long) heads * headSize;
            long kv = (long) kvHeads * headSize;
            return Projection.apply(x, qkv.toDevice(x.getDevice(), false)).split(new long[] {q, q + kv}, 2);
        }
        return new NDList(
                project(ps, x, LoraTarget.Q, training),
                project(ps, x, LoraTarget.K, training),
                project(ps, x, LoraTarget.V, training));
    }

    /** {@code [B, T, n * d]} to {@code [B, n, T, d]}. */
    private NDArray heads(NDArray projected, int count) {
        Shape s = projected.getShape();
        return projected.reshape(s.get(0), s.get(1), count, headSize).transpose(0, 2, 1, 3);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("Attention runs inside LlamaNetwork, which supplies positions and masks");
    }
}
