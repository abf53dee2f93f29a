package io.github.tinyllama.spark;

import io.github.tinyllama.generate.TinyLlama;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The models of this JVM, one per {@link ModelSpec}, loaded when a task first asks for one and kept for every
 * later task of any job: an executor reads the weights once, not once per partition.
 *
 * <p>Tasks of one executor that run at the same time take turns on a model ({@link #with}): libtorch already
 * spreads one forward pass over the executor's cores, and results then never depend on what ran beside them.
 */
public final class ExecutorModels {

    private static final Map<ModelSpec, TinyLlama> MODELS = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    /**
     * Runs work with the model of a spec, loading it on first use.
     *
     * @param spec the model
     * @param work what to do with it; no other task of this JVM uses the model meanwhile
     * @return what the work returns
     * @throws UncheckedIOException if the model cannot be found or loaded
     */
    public static <T> T with(ModelSpec spec, Function<TinyLlama, T> work) {
        TinyLlama llm = MODELS.computeIfAbsent(spec, s -> {
            try {
                return s.load();
            } catch (IOException e) {
                throw new UncheckedIOException(s.model() + ": " + e.getMessage(), e);
            }
        });
        synchronized (llm) {
            return work.apply(llm);
        }
    }

    /** Closes and forgets every model of this JVM (a driver that ran tasks in local mode calls it at the end). */
    public static void closeAll() {
        for (ModelSpec spec : MODELS.keySet()) {
            TinyLlama llm = MODELS.remove(spec);
            if (llm != null) {
                synchronized (llm) {
                    llm.close();
                }
            }
        }
    }
}
