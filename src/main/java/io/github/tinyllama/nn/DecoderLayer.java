package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import io.github.tinyllama.config.LlamaConfig;

/** One pre-norm transformer layer: {@code h += attn(norm(h)); h += mlp(norm(h))}. */
public final class DecoderLayer extends AbstractLlamaBlock {

    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;
    private final Mlp mlp;

    DecoderLayer(LlamaConfig config) {
        inputNorm = child("input_layernorm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        attention = child("self_attn", new Attention(config));
        postAttentionNorm = child("post_attention_layernorm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        mlp = child("mlp", new Mlp(config));
    }

    NDArray forward(ParameterStore ps, NDArray h, RotaryEmbedding.Rotation rotation, KvCache cache, int layer,
            NDArray mask, boolean training) {
        NDArray attended = attention.forward(
                ps, inputNorm.forward(ps, h, training), rotation, cache, layer, mask, training);
        h = h.add(attended);
        return h.add(mlp.forward(ps, postAttentionNorm.forward(ps, h, training), training));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException("DecoderLayer runs inside LlamaNetwork, which supplies positions and masks");
    }
}
