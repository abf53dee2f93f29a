package io.github.tinyllama.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A block whose parameters carry their Hugging Face names and their shapes, known from the config
 * before any weights exist.
 *
 * <p>Parameters are built without a shape so that weights read from a checkpoint can be set
 * directly; the declared shape is applied only when the block is initialised for training from
 * scratch, and is what checkpoint loading checks tensors against.
 */
abstract class AbstractLlamaBlock extends AbstractBlock {

    private final Map<String, Parameter> byHfName = new LinkedHashMap<>();
    private final Map<Parameter, Shape> declaredShapes = new LinkedHashMap<>();
    private final Map<String, AbstractLlamaBlock> namedChildren = new LinkedHashMap<>();
    private final List<FusedWeights> fusions = new ArrayList<>();
    private final Map<LoraTarget, Parameter> projections = new EnumMap<>(LoraTarget.class);
    private final Map<LoraTarget, LoraAdapter> adapters = new EnumMap<>(LoraTarget.class);

    /** Declares a weight under its Hugging Face name relative to this block. */
    protected final Parameter weight(String hfName, Parameter.Type type, Shape shape) {
        Parameter p = addParameter(Parameter.builder().setName(hfName).setType(type).build());
        byHfName.put(hfName, p);
        declaredShapes.put(p, shape);
        return p;
    }

    /** Declares a bias-free linear map {@code [out, in]} that a LoRA adapter may target. */
    protected final Parameter projection(LoraTarget target, long out, long in) {
        Parameter p = weight(target.moduleName() + ".weight", Parameter.Type.WEIGHT, new Shape(out, in));
        projections.put(target, p);
        return p;
    }

    /** {@code x Wᵀ} for a declared projection, plus its adapter's low-rank update when one is attached. */
    protected final NDArray project(ParameterStore ps, NDArray x, LoraTarget target, boolean training) {
        NDArray y = Projection.apply(x, ps.getValue(projections.get(target), x.getDevice(), training));
        LoraAdapter adapter = adapters.get(target);
        return adapter == null ? y : y.add(adapter.apply(ps, x, training));
    }

    /** Whether any of these projections carries an adapter (then stacked matrices must not stand in for it). */
    protected final boolean adapted(LoraTarget... targets) {
        for (LoraTarget t : targets) {
            if (adapters.containsKey(t)) {
                return true;
            }
        }
        return false;
    }

    /** Attaches a fresh adapter to every targeted projection of this block and its children. */
    final void attachAdapters(LoraSettings settings, NDManager manager) {
        projections.forEach((target, weight) -> {
            if (settings.targets().contains(target)) {
                Shape shape = declaredShapes.get(weight);
                LoraAdapter adapter = new LoraAdapter(target.moduleName(), shape.get(0), shape.get(1), settings, manager);
                adapters.put(target, adapter);
                addParameter(adapter.a());
                addParameter(adapter.b());
            }
        });
        namedChildren.values().forEach(child -> child.attachAdapters(settings, manager));
    }

    /**
     * Adds {@code scale · B A} to every adapted weight, in its own memory (so stacked matrices whose
     * views the weights are see it too), then drops the adapters. The sum is formed in float32 and
     * rounded once to the weight's type.
     */
    final void mergeAdapters() {
        adapters.forEach((target, adapter) -> {
            NDArray weight = projections.get(target).getArray();
            // Every intermediate (B A, the float32 sum) is freed when the scope closes.
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                // A float32 weight is read as is (no copy); a float16 one is widened for the sum.
                NDArray merged = weight.toType(DataType.FLOAT32, false).add(adapter.delta());
                // An indexed assignment writes into the weight's own storage; replacing its buffer
                // would cut a view off from the stacked matrix it belongs to.
                weight.set(new NDIndex(":"), merged.toType(weight.getDataType(), false));
            }
            for (Parameter p : new Parameter[] {adapter.a(), adapter.b()}) {
                parameters.remove(p.getName());
                p.close();
            }
        });
        adapters.clear();
        namedChildren.values().forEach(AbstractLlamaBlock::mergeAdapters);
    }

    /** Every attached adapter by the full Hugging Face name of the weight it changes, in model order. */
    public final Map<String, LoraAdapter> adaptersByWeightName() {
        Map<String, LoraAdapter> all = new LinkedHashMap<>();
        adapters.forEach((target, adapter) -> all.put(projections.get(target).getName(), adapter));
        namedChildren.forEach((prefix, block) ->
                block.adaptersByWeightName().forEach((name, a) -> all.put(prefix + "." + name, a)));
        return all;
    }

    /** Every adapter weight by full Hugging Face/PEFT module name, for example {@code ...q_proj.lora_A.weight}. */
    final Map<String, Parameter> adapterParametersByHfName() {
        Map<String, Parameter> all = new LinkedHashMap<>();
        adapters.values().forEach(adapter -> {
            all.put(adapter.a().getName(), adapter.a());
            all.put(adapter.b().getName(), adapter.b());
        });
        namedChildren.forEach((prefix, block) ->
                block.adapterParametersByHfName().forEach((name, p) -> all.put(prefix + "." + name, p)));
        return all;
    }

    /** Adds a child whose weights live under {@code hfPrefix + "."} in Hugging Face names. */
    protected final <B extends AbstractLlamaBlock> B child(String hfPrefix, B block) {
        namedChildren.put(hfPrefix, addChildBlock(hfPrefix, block));
        return block;
    }

    /**
     * Declares weights that share an input and may be stored as one matrix, rows stacked in the
     * given order, so inference runs one matrix product instead of several.
     *
     * @param install receives the stacked matrix once a loader has built it
     * @param hfNames the members, by Hugging Face name relative to this block
     */
    protected final void fusable(Consumer<NDArray> install, String... hfNames) {
        fusions.add(new FusedWeights(List.of(hfNames), install));
    }

    /** Every fusable group of this block and its children, with full Hugging Face names. */
    public final List<FusedWeights> fusedWeights() {
        List<FusedWeights> all = new ArrayList<>(fusions);
        namedChildren.forEach((prefix, block) -> block.fusedWeights().forEach(f -> all.add(f.under(prefix))));
        return all;
    }


    /** Every weight of this block and its children, by full Hugging Face name, in model order. */
    final Map<String, Parameter> parametersByHfName() {
        Map<String, Parameter> all = new LinkedHashMap<>(byHfName);
        namedChildren.forEach((prefix, block) ->
                block.parametersByHfName().forEach((name, p) -> all.put(prefix + "." + name, p)));
        return all;
    }

    /** The shape each parameter must have, by full Hugging Face name. */
    final Map<String, Shape> shapesByHfName() {
        Map<String, Shape> all = new LinkedHashMap<>();
        byHfName.forEach((name, p) -> all.put(name, declaredShapes.get(p)));
        namedChildren.forEach((prefix, block) ->
                block.shapesByHfName().forEach((name, s) -> all.put(prefix + "." + name, s)));
        return all;
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        declaredShapes.forEach((p, shape) -> {
            if (!p.isInitialized() && p.getShape() == null) {
                p.setShape(shape);
            }
        });
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (Pair<String, Block> child : getChildren()) {
            child.getValue().initialize(manager, dataType, inputShapes);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
