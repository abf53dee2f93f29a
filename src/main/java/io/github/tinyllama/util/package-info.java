/**
 * Small helpers every layer may use, such as {@link io.github.tinyllama.util.AtomicFiles}, which writes a
 * file under a temporary name and renames it into place so that no reader ever sees half a file.
 *
 * <p>May import: nothing of this project (the JDK only). It is the bottom layer.
 */
package io.github.tinyllama.util;
