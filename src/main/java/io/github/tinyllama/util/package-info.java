/**
 * Small helpers every layer may use: atomic file writes ({@link io.github.tinyllama.util.AtomicFiles})
 * and the one rule for file names that come from outside ({@link io.github.tinyllama.util.RepoPaths}).
 *
 * <p>Imports nothing of this project.
 */
package io.github.tinyllama.util;
