package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import io.github.tinyllama.config.LlamaConfig;

/** The SwiGLU feed-forward network: {@code down(silu(gate(x)) * up(x))}. */
public final class Mlp extends AbstractLlamaBlock {

    /** gate and up stacked row-wise, when a loader stored them so. */
    private NDArray gateUp;

    Mlp(LlamaConfig config) {
        int hidden = config.hiddenSize();
        int inner = config.intermediateSize();
        projection(LoraTarget.GATE, inner, hidden);
        projection(LoraTarget.UP, inner, hidden);
        projection(LoraTarget.DOWN, hidden, inner);
        fusable(stacked -> gateUp = stacked, "gate_proj.weight", "up_proj.weight");
    }

    NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray gate;
        NDArray up;
        if (gateUp != null && !training && !adapted(LoraTarget.GATE, LoraTarget.UP)) {
            NDList halves = Projection.apply(x, gateUp.toDevice(x.getDevice(), false)).split(2, 2);
            gate = halves.get(0);
            up = halves.get(1);
        } else {
            gate = project(ps, x, LoraTarget.GATE, training);
            up = project(ps, x, LoraTarget.UP, training);
        }
        // SiLU as x * sigmoid(x): DJL's swish(x, 1) spends a third operation multiplying by beta.
        NDArray hidden = gate.mul(Activation.sigmoid(gate)).mul(up);
        return project(ps, hidden, LoraTarget.DOWN, training);
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }
}
