package io.github.tinyllama.generate;

import java.util.Locale;

/**
 * What runs the decode steps of a {@link LanguageModel} (generation, sessions, chat, the server's prefill);
 * scoring always runs the Blocks.
 */
public enum DecodeEngine {
    /**
     * A {@link ScriptedStep}: the whole forward pass as one TorchScript call per step, with float16 matrices
     * packed for fbgemm's half-precision product on a CPU. The faster engine, and the only one for int8 weights.
     */
    SCRIPT,
    /** The DJL Blocks, one native call per operation: the definition of the network the script is checked against. */
    BLOCKS;

    /**
     * The engine named as on the command line.
     *
     * @param name {@code script} or {@code blocks}
     * @throws IllegalArgumentException for any other name
     */
    public static DecodeEngine of(String name) {
        for (DecodeEngine e : values()) {
            if (e.toString().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is not a decode engine: use script or blocks");
    }

    /** The name used on the command line and in JSON output. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
