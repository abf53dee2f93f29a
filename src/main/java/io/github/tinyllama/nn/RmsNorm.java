package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/** Root-mean-square normalisation: {@code x / sqrt(mean(x²) + eps) * weight}, computed in float32 as HF does. */
public final class RmsNorm extends AbstractLlamaBlock {

    private final Parameter weight;
    private final float eps;

    RmsNorm(int size, double eps) {
        this.weight = weight("weight", Parameter.Type.GAMMA, new Shape(size));
        this.eps = (float) eps;
    }

    NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray x32 = x.toType(DataType.FLOAT32, false);
        NDArray inverseRms = x32.square().mean(new int[] {-1}, true).add(eps).pow(Scalars.of(x32, -0.5f));
        return x32.mul(inverseRms).toType(x.getDataType(), false).mul(w.toType(x.getDataType(), false));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(ps, inputs.singletonOrThrow(), training));
    }
}
