/**
 * Small helpers every layer may use: atomic file writes ({@link io.github.tinyllama.util.AtomicFiles}, which
 * writes under a temporary name and renames into place so that no reader ever sees half a file), the one rule
 * for file names that come from outside ({@link io.github.tinyllama.util.RepoPaths}), and the ownership of
 * output directories (run manifests, locks, outputs written aside and renamed).
 *
 * <p>May import: nothing of this project (the JDK only). It is the bottom layer.
 */
package io.github.tinyllama.util;
