/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Weights over file-name prefixes, such as TinyLlama's {@code train_slim=0.693584,train_star=0.306416}.
 * Weights are relative (as in Python's {@code random.choices}); they need not sum to 1.
 *
 * @param prefixes the file-name prefixes, in the order given
 * @param weights their weights, each positive and finite
 */
public record MixtureSpec(List<String> prefixes, List<Double> weights) {

    /** TinyLlama's mixture: SlimPajama without GitHub and StarCoderData, about 7:3 [repo pretrain/tinyllama.py]. */
    public static final String TINYLLAMA = "train_slim=0.693584,train_star=0.306416";

    /**
     * Creates a spec and checks it.
     *
     * @param prefixes the prefixes
     * @param weights the weights
     */
    public MixtureSpec {
        prefixes = List.copyOf(prefixes);
        weights = List.copyOf(weights);
        if (prefixes.isEmpty() || prefixes.size() != weights.size()) {
            throw new IllegalArgumentException("a mixture needs at least one prefix and one weight per prefix");
        }
    }

    /**
     * Parses {@code PREFIX=WEIGHT[,PREFIX=WEIGHT...]}.
     *
     * @param spec the text
     * @return the spec
     * @throws IllegalArgumentException naming the offending entry: empty spec or entry, missing {@code =},
     *     empty or duplicate prefix, a weight that is not a positive finite number
     */
    public static MixtureSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty mixture: expected PREFIX=WEIGHT[,PREFIX=WEIGHT...], e.g. " + TINYLLAMA);
        }
        List<String> prefixes = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String entry : spec.split(",", -1)) {
            String e = entry.strip();
            int eq = e.indexOf('=');
            if (e.isEmpty()) {
                throw new IllegalArgumentException("invalid mixture '" + spec + "': empty entry");
            }
            if (eq < 0) {
                throw new IllegalArgumentException("invalid mixture entry '" + e + "': expected PREFIX=WEIGHT");
            }
            String prefix = e.substring(0, eq).strip();
            String w = e.substring(eq + 1).strip();
            if (prefix.isEmpty()) {
                throw new IllegalArgumentException("invalid mixture entry '" + e + "': empty prefix");
            }
            if (!seen.add(prefix)) {
                throw new IllegalArgumentException("invalid mixture '" + spec + "': prefix '" + prefix + "' given twice");
            }
            double weight;
            try {
                weight = Double.parseDouble(w);
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException("invalid mixture entry '" + e + "': weight '" + w + "' is not a number");
            }
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("invalid mixture entry '" + e + "': weight must be positive and finite");
            }
            prefixes.add(prefix);
            weights.add(weight);
        }
        return new MixtureSpec(prefixes, weights);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < prefixes.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(prefixes.get(i)).append('=').append(weights.get(i));
        }
        return sb.toString();
    }
}
