/*
 * Copyright 2025 the tinyllama-djl authors. Licensed under the Apache License, Version 2.0.
 */
package io.github.tinyllama.data.parquet;

import com.google.gson.JsonPrimitive;

/**
 * One column chunk decoded: a definition and a repetition level per entry, and the values of the entries
 * that are defined down to the leaf, in order.
 *
 * @param def the definition level of each entry
 * @param rep the repetition level of each entry
 * @param values the values of the entries defined down to the leaf
 */
public record Levels(int[] def, int[] rep, JsonPrimitive[] values) {}
