package io.github.tinyllama.nn;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/** A projection that can carry a LoRA adapter, named as Hugging Face (and PEFT's {@code target_modules}) name it. */
public enum LoraTarget {
    /** {@code self_attn.q_proj}. */
    Q("self_attn", "q_proj"),
    /** {@code self_attn.k_proj}. */
    K("self_attn", "k_proj"),
    /** {@code self_attn.v_proj}. */
    V("self_attn", "v_proj"),
    /** {@code self_attn.o_proj}. */
    O("self_attn", "o_proj"),
    /** {@code mlp.gate_proj}. */
    GATE("mlp", "gate_proj"),
    /** {@code mlp.up_proj}. */
    UP("mlp", "up_proj"),
    /** {@code mlp.down_proj}. */
    DOWN("mlp", "down_proj");

    private final String section;
    private final String moduleName;

    LoraTarget(String section, String moduleName) {
        this.section = section;
        this.moduleName = moduleName;
    }

    /** The module's Hugging Face name, for example {@code q_proj}. */
    public String moduleName() {
        return moduleName;
    }

    /** The module's path inside a decoder layer, for example {@code self_attn.q_proj}. */
    public String layerPath() {
        return section + "." + moduleName;
    }

    /**
     * Reads a target by its short or its module name, in any case: {@code q} or {@code q_proj}.
     *
     * @throws IllegalArgumentException naming the accepted names when {@code name} is none of them
     */
    public static LoraTarget parse(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        for (LoraTarget t : values()) {
            if (key.equals(t.moduleName) || key.equals(t.name().toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown LoRA target '" + name + "'; expected one of "
                + Arrays.stream(values()).map(t -> t.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", "))
                + " (or their module names q_proj, k_proj, ...)");
    }

    /** Reads a comma-separated list such as {@code q,k,v} or {@code q_proj,v_proj}. */
    public static Set<LoraTarget> parseAll(String commaSeparated) {
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (String part : commaSeparated.split(",")) {
            if (!part.isBlank()) {
                targets.add(parse(part));
            }
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no LoRA target in '" + commaSeparated + "'");
        }
        return targets;
    }
}
