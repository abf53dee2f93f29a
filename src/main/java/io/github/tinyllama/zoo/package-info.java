/**
 * The part of the TinyLlama model zoo that fetches checkpoint files from the Hugging Face hub.
 *
 * <p>{@link io.github.tinyllama.zoo.HubClient} downloads files from
 * {@code {HF_ENDPOINT}/{repo}/resolve/{revision}/{file}} into DJL's cache directory, resuming
 * interrupted downloads, verifying the hub's sha256 and moving each file into place atomically, so
 * that a file under its final name is always complete.
 *
 * <p>May import: {@code generate}, {@code weights}, {@code nn}, {@code checkpoint}, {@code tokenizer}, {@code config},
 * {@code util}.
 */
package io.github.tinyllama.zoo;
