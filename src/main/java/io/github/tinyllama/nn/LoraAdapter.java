package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;

/**
 * The low-rank update of one projection {@code W [out, in]}: {@code scale · B A dropout(x)} with
 * {@code A [r, in]} and {@code B [out, r]}, kept in float32 whatever type {@code W} is held in.
 */
public final class LoraAdapter {

    private final Parameter a;
    private final Parameter b;
    private final float scale;
    private final float dropout;

    /**
     * PEFT's initialisation: {@code A} as torch's {@code kaiming_uniform_(a=√5)}, which is
     * {@code U(-1/√in, 1/√in)}, drawn from the engine's generator (seeded by
     * {@code Engine.setRandomSeed}); {@code B} zero, so the adapted model starts equal to the base.
     */
    LoraAdapter(String moduleName, long out, long in, LoraSettings settings, NDManager manager) {
        this.scale = settings.scale();
        this.dropout = settings.dropout();
        float bound = (float) (1 / Math.sqrt(in));
        a = parameter(moduleName + ".lora_A.weight",
                manager.randomUniform(-bound, bound, new Shape(settings.rank(), in), DataType.FLOAT32));
        b = parameter(moduleName + ".lora_B.weight", manager.zeros(new Shape(out, settings.rank()), DataType.FLOAT32));
    }

    private static Parameter parameter(String name, NDArray value) {
        // Adapter weights live as long as the model, not as long as a scope open around addLora.
        NDScope.unregister(value);
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        p.setArray(value);
        return p;
    }

    Parameter a() {
        return a;
    }

    Parameter b() {
        return b;
    }

    /** {@code scale · dropout(x) Aᵀ Bᵀ}; dropout is torch's inverted dropout, applied only while training. */
    NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray input = x.toType(DataType.FLOAT32, false);
        if (training && dropout > 0) {
            input = Dropout.dropout(input, dropout, true).singletonOrThrow();
        }
        NDArray low = Linear.linear(input, ps.getValue(a, x.getDevice(), training)).singletonOrThrow();
        NDArray update = Linear.linear(low, ps.getValue(b, x.getDevice(), training)).singletonOrThrow();
        return update.mul(Scalars.of(update, scale)).toType(x.getDataType(), false);
    }

    /**
     * {@code scale · B A}, the change this adapter makes to {@code W}, in float32; the scale goes on
     * the small {@code B}, which spares a pass over the full-size product.
     */
    public NDArray delta() {
        NDArray scaledB = b.getArray().mul(Scalars.of(b.getArray(), scale));
        return scaledB.matMul(a.getArray());
    }
}
